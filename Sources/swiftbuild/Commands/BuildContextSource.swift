import Builder
import Foundation
import Store

/// Where `swiftbuild build`'s CONTEXT argument points, as `docker build` reads it: a
/// directory; `-` (standard input: a tar archive of the context, or a Dockerfile alone
/// with an empty context); a tar archive's path; or a git repository's URL
/// (`https://host/repo.git#ref:subdir`, `git@host:repo.git`, `git://...`), cloned with git.
/// Everything but a directory is prepared in a work directory of the store, removed by
/// ``cleanUp()``. A directory is read where it is, and needs no store before the
/// Dockerfile is planned (so a Dockerfile error is reported before the store is touched).
struct BuildContextSource {
    /// The directory the build reads.
    var directory: String
    /// A Dockerfile read from standard input in place of a context, if that is what came.
    var dockerfileText: String?
    /// What to remove when the build is over.
    private var temporary: URL?

    /// Whether the context was unpacked or cloned (then `-f` paths are inside it, as in docker).
    var isPrepared: Bool { temporary != nil }

    static func isGitURL(_ text: String) -> Bool {
        let base = text.split(separator: "#", maxSplits: 1).first.map(String.init) ?? text
        return text.hasPrefix("git@") || text.hasPrefix("git://")
            || ((text.hasPrefix("https://") || text.hasPrefix("http://")) && (base.hasSuffix(".git") || text.contains(".git#")))
    }

    /// `store` is opened only when the context needs a work directory (not for a directory).
    static func prepare(_ argument: String, store openStore: () throws -> ImageStore) throws -> BuildContextSource {
        if argument == "-" { return try fromStandardInput(store: openStore()) }
        if isGitURL(argument) { return try fromGit(argument, store: openStore()) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            throw CommandFailure("\(argument): the build context does not exist (a directory, a tar archive, `-` or a git URL)")
        }
        if isDirectory.boolValue { return BuildContextSource(directory: argument) }
        guard ContextArchive.isArchive(argument) else {
            throw CommandFailure("\(argument): the build context must be a directory, a tar archive, `-` or a git URL")
        }
        let work = try openStore().makeWorkDirectory()
        let source = BuildContextSource(directory: work.appendingPathComponent("context").path, temporary: work)
        do {
            try FileManager.default.createDirectory(atPath: source.directory, withIntermediateDirectories: false)
            try ContextArchive.extract(argument, into: source.directory)
        } catch {
            source.cleanUp()
            throw error
        }
        return source
    }

    /// Standard input, saved to a file first: a tar archive is unpacked; anything else is
    /// taken as the Dockerfile, with an empty context (`docker build - < Dockerfile`).
    private static func fromStandardInput(store: ImageStore) throws -> BuildContextSource {
        let work = try store.makeWorkDirectory()
        var source = BuildContextSource(directory: work.appendingPathComponent("context").path, temporary: work)
        do {
            try FileManager.default.createDirectory(atPath: source.directory, withIntermediateDirectories: false)
            let saved = work.appendingPathComponent("stdin")
            FileManager.default.createFile(atPath: saved.path, contents: nil)
            let output = try FileHandle(forWritingTo: saved)
            while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty {
                try output.write(contentsOf: chunk)
            }
            try output.close()
            if ContextArchive.isArchive(saved.path) {
                try ContextArchive.extract(saved.path, into: source.directory)
            } else {
                source.dockerfileText = String(decoding: try Data(contentsOf: saved), as: UTF8.self)
            }
            try FileManager.default.removeItem(at: saved)
        } catch {
            source.cleanUp()
            throw error
        }
        return source
    }

    /// `URL[#REF[:SUBDIR]]`, cloned with git into a work directory; REF checked out when given.
    private static func fromGit(_ argument: String, store: ImageStore) throws -> BuildContextSource {
        let parts = argument.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let url = parts[0]
        var reference = parts.count > 1 ? parts[1] : ""
        var subdirectory = ""
        if let colon = reference.firstIndex(of: ":") {
            subdirectory = String(reference[reference.index(after: colon)...])
            reference = String(reference[..<colon])
        }
        let work = try store.makeWorkDirectory()
        let checkout = work.appendingPathComponent("git")
        var source = BuildContextSource(directory: checkout.path, temporary: work)
        do {
            try runGit(["clone", "--quiet", "--recurse-submodules", "--", url, checkout.path], display: url)
            if !reference.isEmpty {
                try runGit(["-C", checkout.path, "checkout", "--quiet", reference, "--"], display: "\(url)#\(reference)")
                try runGit(["-C", checkout.path, "submodule", "update", "--quiet", "--init", "--recursive"], display: url)
            }
            if !subdirectory.isEmpty {
                // Lexically inside the checkout, and no symlink on the way leads out of it.
                let cleaned = subdirectory.split(separator: "/").filter { $0 != "." && !$0.isEmpty }
                guard !cleaned.contains("..") else {
                    throw CommandFailure("\(argument): the subdirectory \(subdirectory) leaves the repository")
                }
                let candidate = checkout.appendingPathComponent(cleaned.joined(separator: "/")).resolvingSymlinksInPath().path
                let root = checkout.resolvingSymlinksInPath().path
                guard candidate == root || candidate.hasPrefix(root + "/") else {
                    throw CommandFailure("\(argument): the subdirectory \(subdirectory) leads out of the repository")
                }
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw CommandFailure("\(argument): the repository has no directory \(subdirectory)")
                }
                source.directory = candidate
            }
        } catch {
            source.cleanUp()
            throw error
        }
        return source
    }

    private static func runGit(_ arguments: [String], display: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CommandFailure("\(display): cannot run git to fetch the build context (\(error))", cause: error)
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let detail = message.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw CommandFailure("\(display): git \(arguments.first == "clone" ? "clone" : arguments[2]) failed: \(detail)")
        }
    }

    /// Removes what ``prepare(_:store:)`` made; nothing for a directory.
    func cleanUp() {
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }
}
