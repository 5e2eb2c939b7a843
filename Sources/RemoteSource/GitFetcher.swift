import Foundation
import Glibc
import System

/// What ``GitFetcher/fetch(_:into:keepGitDirectory:)`` checked out.
public struct GitCheckout: Sendable {
    /// The commit checked out (full hash).
    public var commit: String
    /// The directory to copy, relative to the checkout's root: the `:subdir`, or "" for
    /// the whole checkout.
    public var subdirectory: String
}

/// Checks out a git source with the `git` program, as BuildKit's git source does: a
/// shallow fetch of the ref (the remote's HEAD when none is given; a full hash is
/// fetched by itself, and from every branch and tag when the server refuses that), a
/// detached checkout, and `.git` removed unless it is kept.
///
/// git runs with only the transports BuildKit allows (`http`, `https`, `ssh`, `git`:
/// no `file://` or `ext::` through a hostile URL or submodule), never prompting, with
/// umask 022 (files 0644 or 0755). Submodules are not fetched.
public enum GitFetcher {
    /// ``fetch(_:into:keepGitDirectory:)`` on a thread of its own: a clone can take long,
    /// and must not hold one of the few threads that async tasks (the other stages) share.
    public static func fetchOnThread(_ reference: GitReference, into checkout: String, keepGitDirectory: Bool)
        async throws(RemoteSourceError) -> GitCheckout
    {
        let result: Result<GitCheckout, RemoteSourceError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result { () throws(RemoteSourceError) in
                        try fetch(reference, into: checkout, keepGitDirectory: keepGitDirectory)
                    })
            }
            thread.name = "git fetch"
            thread.start()
        }
        return try result.get()
    }

    /// Checks `reference` out into the directory `checkout` (which must not exist; its
    /// parent is the caller's, which removes it).
    public static func fetch(_ reference: GitReference, into checkout: String, keepGitDirectory: Bool) throws(RemoteSourceError)
        -> GitCheckout
    {
        let remote = reference.remote
        try run(["init", "--quiet", checkout], remote: remote, operation: "init")
        let git = ["-C", checkout]
        try run(git + ["remote", "add", "origin", "--", remote], remote: remote, operation: "remote add")
        let ref = reference.ref ?? "HEAD"
        if isFullCommitHash(ref) {
            do {
                try run(git + ["fetch", "--quiet", "--depth=1", "--no-tags", "origin", ref], remote: remote, operation: "fetch \(ref)")
            } catch {
                try run(
                    git + ["fetch", "--quiet", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"],
                    remote: remote, operation: "fetch")
            }
            try run(git + ["checkout", "--quiet", "--detach", ref], remote: remote, operation: "checkout \(ref)")
        } else {
            try run(git + ["fetch", "--quiet", "--depth=1", "--no-tags", "origin", "--", ref], remote: remote, operation: "fetch \(ref)")
            try run(git + ["checkout", "--quiet", "--detach", "FETCH_HEAD"], remote: remote, operation: "checkout \(ref)")
        }
        let commit = try run(git + ["rev-parse", "HEAD"], remote: remote, operation: "rev-parse").trimmingCharacters(
            in: .whitespacesAndNewlines)
        if let expected = reference.checksum, !commit.hasPrefix(expected.lowercased()) || expected.count < 7 {
            throw .commitMismatch(remote: remote, expected: expected, actual: commit)
        }
        if keepGitDirectory {
            // As BuildKit: the fetch's traces do not stay in the image.
            try run(git + ["reflog", "expire", "--all", "--expire=now"], remote: remote, operation: "reflog expire")
            unlink(checkout + "/.git/FETCH_HEAD")
        } else {
            // git made .git itself (a checkout cannot contain one), so it is no link.
            do {
                try FileManager.default.removeItem(atPath: checkout + "/.git")
            } catch {
                throw .system(SystemError(operation: "remove \(checkout)/.git", code: EIO))
            }
        }
        guard let subdirectory = reference.subdirectory else { return GitCheckout(commit: commit, subdirectory: "") }
        // The subdirectory is reached without following any symlink (BuildKit refuses one
        // on the way too), so it cannot lead out of the checkout.
        let root: RootDirectory
        do {
            root = try RootDirectory(path: checkout)
        } catch {
            throw .system(error)
        }
        do {
            _ = try root.openDirectoryNoFollow(subdirectory.split(separator: "/").map { Array($0.utf8) }, creatingWithMode: nil)
        } catch {
            throw .subdirectory(remote: remote, subdirectory: subdirectory, reason: Self.describe(error, in: subdirectory))
        }
        return GitCheckout(commit: commit, subdirectory: subdirectory)
    }

    /// Why the subdirectory could not be reached, naming the component that stopped it.
    private static func describe(_ failure: NoFollowWalkFailure, in subdirectory: String) -> String {
        let components = subdirectory.split(separator: "/")
        func prefix(_ depth: Int) -> String { components.prefix(max(depth, 1)).joined(separator: "/") }
        switch failure {
        case .throughSymlink(let depth):
            return "is reached through the symlink \"\(prefix(depth))\" (it could lead out of the repository)"
        case .failed(_, let depth, let code):
            if code == ENOENT { return "is not in the repository (\"\(prefix(depth))\" is missing)" }
            if code == ENOTDIR { return "is not a directory (\"\(prefix(depth))\" is not one)" }
            return "cannot be opened: \(String(cString: strerror(code)))"
        }
    }

    static func isFullCommitHash(_ ref: String) -> Bool {
        (ref.count == 40 || ref.count == 64) && ref.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// Runs git with `arguments`; its standard output, or the error with what it printed.
    @discardableResult
    static func run(_ arguments: [String], remote: String, operation: String) throws(RemoteSourceError) -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_ALLOW_PROTOCOL"] = "http:https:ssh:git"
        environment["GIT_ASKPASS"] = "/bin/false"
        environment["LC_ALL"] = "C"
        let result: Subprocess.Output
        do {
            result = try Subprocess.run("/bin/sh", ["-c", "umask 022 && exec git \"$@\"", "git"] + arguments, environment: environment)
        } catch {
            throw .git(remote: remote, operation: operation, output: "cannot run git: \(error)")
        }
        guard result.status == 0 else {
            let lines = String(decoding: result.standardError, as: UTF8.self).split(separator: "\n").suffix(5)
            throw .git(remote: remote, operation: operation, output: lines.joined(separator: "; "))
        }
        return String(decoding: result.standardOutput, as: UTF8.self)
    }
}
