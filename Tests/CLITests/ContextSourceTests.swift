import Foundation
import Glibc
import Testing

/// The build context as `docker build` takes it besides a directory: a tar on standard
/// input, a Dockerfile alone on standard input, a tarball's path, a git URL.
@Suite("Build contexts that are not directories", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct ContextSourceTests {
    let work: URL
    let store: URL
    let tree: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        tree = work.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("FROM scratch\nCOPY hello.txt /hello.txt\n".utf8).write(to: tree.appendingPathComponent("Dockerfile"))
        try Data("FROM scratch\nCOPY . /sub-context/\n".utf8).write(to: tree.appendingPathComponent("sub/Custom.Dockerfile"))
        try Data("hello\n".utf8).write(to: tree.appendingPathComponent("hello.txt"))
        try Data("in sub\n".utf8).write(to: tree.appendingPathComponent("sub/inner.txt"))
    }

    /// `sh -c script` with `$SB` the swiftbuild binary and `$STORE` the store; its status and output.
    func shell(_ script: String) throws -> (status: Int32, output: String) {
        try ExternalTool.status(["env", "SB=\(SwiftBuildProcess.binary.path)", "STORE=\(store.path)", "sh", "-c", script])
    }

    func file(_ path: String, in image: String) throws -> String {
        let bundle = work.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(image)", bundle.path])
        return try String(contentsOf: bundle.appendingPathComponent("rootfs" + path), encoding: .utf8)
    }

    /// Nothing of an unpacked or cloned context stays in the store.
    func expectNoWorkDirectories() throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/tmp").isEmpty)
    }

    @Test func tarOnStandardInput() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try shell("tar -C \(tree.path) -c . | \"$SB\" build --root \"$STORE\" -q -t stdin:1 -")
        #expect(result.status == 0, "\(result.output)")
        #expect(try file("/hello.txt", in: "stdin:1") == "hello\n")
        try expectNoWorkDirectories()
    }

    @Test func dockerfileOnStandardInputHasAnEmptyContext() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let ok = try shell("printf 'FROM scratch\\nLABEL from=stdin\\n' | \"$SB\" build --root \"$STORE\" -q -t alone:1 -")
        #expect(ok.status == 0, "\(ok.output)")
        let copying = try shell("printf 'FROM scratch\\nCOPY hello.txt /\\n' | \"$SB\" build --root \"$STORE\" -q -")
        #expect(copying.status == 1)
        #expect(copying.output.contains("<stdin>:2:") && copying.output.contains("not found"), "\(copying.output)")
        try expectNoWorkDirectories()
    }

    @Test func tarballPathWithADockerfileInside() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let tarball = work.appendingPathComponent("context.tar.gz").path
        try ExternalTool.run(["tar", "-C", tree.path, "-czf", tarball, "."])
        let result = try SwiftBuildProcess.run([
            "build", "--root", store.path, "-q", "-t", "tarball:1",
            "-f", "sub/Custom.Dockerfile", tarball
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try file("/sub-context/sub/inner.txt", in: "tarball:1") == "in sub\n")
        try expectNoWorkDirectories()
    }

    /// A context tar whose entries climb out is refused; the sentinel beside the store is untouched.
    @Test func hostileTarballStaysInside() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let sentinel = work.appendingPathComponent("victim")
        try Data("victim\n".utf8).write(to: sentinel)
        let tarball = work.appendingPathComponent("evil.tar").path
        try ExternalTool.run([
            "python3", "-c",
            """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], 'w') as tar:
                for name, data in [('Dockerfile', b'FROM scratch\\n'), ('../../../../../../..\(sentinel.path)', b'pwned\\n')]:
                    info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))
            """, tarball
        ])
        let result = try SwiftBuildProcess.run(["build", "--root", store.path, "-q", tarball])
        #expect(result.status == 1)
        #expect(result.standardError.contains("outside the destination"), "\(result.standardError)")
        #expect(try String(contentsOf: sentinel, encoding: .utf8) == "victim\n")
        try expectNoWorkDirectories()
    }

    /// `git://127.0.0.1:PORT/repo.git#REF:SUBDIR`, served by `git daemon` for the test.
    @Test func gitRepositoryAtARefAndSubdirectory() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let repository = work.appendingPathComponent("served/repo.git")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        let git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", repository.path]
        try ExternalTool.run(["git", "init", "--quiet", "-b", "main", repository.path])
        try ExternalTool.run(["cp", "-r", tree.path + "/.", repository.path])
        try ExternalTool.run(git + ["add", "-A"])
        try ExternalTool.run(git + ["commit", "--quiet", "-m", "one"])
        try ExternalTool.run(git + ["tag", "v1"])
        try Data("changed\n".utf8).write(to: repository.appendingPathComponent("sub/inner.txt"))
        try ExternalTool.run(git + ["commit", "--quiet", "-am", "two"])

        let port = 19000 + Int.random(in: 0..<900)
        let daemon = Process()
        // git-core's daemon itself, not the `git` wrapper (which does not pass SIGTERM on).
        daemon.executableURL = URL(fileURLWithPath: "/usr/lib/git-core/git-daemon")
        daemon.arguments = [
            "--reuseaddr", "--export-all", "--listen=127.0.0.1", "--port=\(port)",
            "--base-path=\(work.appendingPathComponent("served").path)", work.appendingPathComponent("served").path
        ]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 1)

        let subdir = try SwiftBuildProcess.run([
            "build", "--root", store.path, "-q", "-t", "git:1",
            "-f", "Custom.Dockerfile", "git://127.0.0.1:\(port)/repo.git#v1:sub"
        ])
        #expect(subdir.status == 0, "\(subdir.standardError)")
        #expect(try file("/sub-context/inner.txt", in: "git:1") == "in sub\n")
        let head = try SwiftBuildProcess.run([
            "build", "--root", store.path, "-q", "-t", "git:2",
            "-f", "Custom.Dockerfile", "git://127.0.0.1:\(port)/repo.git#main:sub"
        ])
        #expect(head.status == 0, "\(head.standardError)")
        #expect(try file("/sub-context/inner.txt", in: "git:2") == "changed\n")
        let escape = try SwiftBuildProcess.run(["build", "--root", store.path, "-q", "git://127.0.0.1:\(port)/repo.git#main:../.."])
        #expect(escape.status == 1 && escape.standardError.contains("leaves the repository"), "\(escape.standardError)")
        let missing = try SwiftBuildProcess.run(["build", "--root", store.path, "-q", "git://127.0.0.1:\(port)/nope.git"])
        #expect(missing.status == 1 && missing.standardError.contains("git clone failed"), "\(missing.standardError)")
        try expectNoWorkDirectories()
    }
}
