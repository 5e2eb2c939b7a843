import Foundation
import Glibc
import Testing

/// Dockerfiles written to reach the build host: each plants a sentinel outside the store
/// and checks that it is exactly as it was after the build.
@Suite("Hostile Dockerfiles", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct HostileDockerfileTests {
    let work: URL
    let store: URL
    /// A directory outside the store holding `victim` (content `victim\n`, mode 0644).
    let sentinel: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        sentinel = work.appendingPathComponent("sentinel")
        try FileManager.default.createDirectory(at: sentinel, withIntermediateDirectories: true)
        try Data("victim\n".utf8).write(to: sentinel.appendingPathComponent("victim"))
        chmod(sentinel.appendingPathComponent("victim").path, 0o644)
    }

    func build(_ dockerfile: String, tag: String? = nil) throws -> SwiftBuildProcess.Result {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return try SwiftBuildProcess.run(
            ["build", "--root", store.path, "--progress", "plain"]
                + (tag.map { ["-t", $0] } ?? []) + [context.path])
    }

    /// The sentinel directory holds only `victim`, unchanged in content, mode and owner.
    func expectSentinelIntact(_ label: String) throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: sentinel.path) == ["victim"], "\(label)")
        let victim = sentinel.appendingPathComponent("victim")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "victim\n", "\(label)")
        var status = stat()
        #expect(lstat(victim.path, &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o644 && status.st_uid == 0, "\(label): mode \(String(status.st_mode, radix: 8))")
    }

    /// A here-document's name is a file name: an absolute name or one with `..` or `/`
    /// (which the copy used to open relative to nothing, on the host) is a located error.
    @Test(arguments: ["ABSOLUTE", "DOTDOT", "NESTED"])
    func heredocNamesNeverLeaveTheImage(_ form: String) throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let victim = sentinel.appendingPathComponent("victim").path
        let name =
            switch form {
            case "ABSOLUTE": victim
            case "DOTDOT": String(repeating: "../", count: 12) + String(victim.dropFirst())
            default: "sub/victim"
            }
        for instruction in ["COPY", "ADD --chmod=4755"] {
            let result = try build(
                """
                FROM scratch
                \(instruction) <<\(name) /sub/
                pwned
                \(name)
                """)
            #expect(result.status == 1, "\(form) \(instruction): \(result.standardError)")
            #expect(result.standardError.contains("Dockerfile:2:"), "\(result.standardError)")
            #expect(result.standardError.contains("is not a file name"), "\(result.standardError)")
            try expectSentinelIntact("\(form) \(instruction)")
        }
    }

    /// A plain here-document name still makes its file in the image.
    @Test func heredocWithAFileNameIsCopied() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM scratch
            COPY <<hello.txt /sub/
            hi
            hello.txt
            """, tag: "heredoc:latest")
        #expect(result.status == 0, "\(result.standardError)")
        let archive = work.appendingPathComponent("image.tar")
        #expect(try SwiftBuildProcess.run(["save", "heredoc", "-o", archive.path, "--root", store.path]).status == 0)
        let bundle = work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):heredoc:latest", bundle.path])
        #expect(try String(contentsOf: bundle.appendingPathComponent("rootfs/sub/hello.txt"), encoding: .utf8) == "hi\n")
    }

    /// The ELF check reads the image, never the host: a later layer that turns a directory
    /// holding a shipped executable into a symlink to `/` must not lead the check to the
    /// host's file of the same path (here a glibc program in the sentinel directory).
    @Test func elfCheckDoesNotFollowTheImageOutOfItsRoot() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let hostProgram = sentinel.appendingPathComponent("probe")
        try ExternalTool.run(["cp", "/bin/true", hostProgram.path])
        let inImage = "/esc" + hostProgram.path
        let result = try build(
            """
            FROM busybox
            RUN mkdir -p \((inImage as NSString).deletingLastPathComponent) && cp /bin/busybox \(inImage)
            RUN rm -rf /esc && ln -s / /esc
            """)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains(hostProgram.path), "\(result.standardError)")
        #expect(!result.standardError.contains("glibc"), "\(result.standardError)")
        try? FileManager.default.removeItem(at: hostProgram)
        try expectSentinelIntact("elf check")
    }

    /// The store is its owner's alone: another user cannot reach a setuid-root file that a
    /// build made, nor read any image's files; an existing store's modes are fixed on open.
    @Test func storeIsClosedToOtherUsers() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let result = try build(
            """
            FROM busybox
            RUN cp /bin/busybox /helper && chmod 4755 /helper
            """, tag: "setuid:latest")
        #expect(result.status == 0, "\(result.standardError)")
        // The test's temporary directory must be traversable for the check to mean anything.
        chmod(work.path, 0o755)
        let helpers = try ExternalTool.run(["find", store.path + "/snapshots", "-name", "helper", "-perm", "-4000"])
            .split(separator: "\n").map(String.init)
        #expect(!helpers.isEmpty)
        for directory in ["", "/blobs", "/snapshots", "/cache", "/tmp"] {
            var status = stat()
            #expect(lstat(store.path + directory, &status) == 0)
            #expect(status.st_mode & 0o777 == 0o700, "\(directory): \(String(status.st_mode & 0o777, radix: 8))")
        }
        for helper in helpers {
            let attempt = try ExternalTool.status(["runuser", "-u", "nobody", "--", helper, "id", "-u"])
            #expect(attempt.status != 0, "\(helper) ran for another user: \(attempt.output)")
        }
        let listing = try ExternalTool.status(["runuser", "-u", "nobody", "--", "ls", store.path + "/blobs/sha256"])
        #expect(listing.status != 0)

        // A store made before this rule is fixed the next time it is opened.
        chmod(store.path, 0o755)
        chmod(store.path + "/snapshots", 0o755)
        #expect(try SwiftBuildProcess.run(["images", "--root", store.path]).status == 0)
        var status = stat()
        #expect(lstat(store.path, &status) == 0 && status.st_mode & 0o777 == 0o700)
        #expect(lstat(store.path + "/snapshots", &status) == 0 && status.st_mode & 0o777 == 0o700)
    }
}
