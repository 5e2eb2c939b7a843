import Foundation
import Testing

/// `swiftbuild elf --bundle`: executables with their loader and libraries copied into a
/// directory, which then runs as a scratch image. The source is the host root (Debian 12
/// here; no Debian image is in the test store), so only what the bundle does is asserted:
/// the bundle resolves cleanly on its own and the programs run from it under podman.
@Suite("swiftbuild elf --bundle", .enabled(if: ExternalTool.isRoot, "podman and the bundle's file modes need root"))
struct ElfBundleTests {
    let work: URL

    init() throws {
        work = try makeTemporaryDirectory()
    }

    static let podmanAvailable =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/podman")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/go") && FileManager.default.isExecutableFile(atPath: "/bin/bash")

    /// A dynamic (cgo) Go program.
    func buildGoProgram() throws -> String {
        let source = work.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Data(
            """
            package main

            // #include <stdlib.h>
            import "C"
            import "fmt"

            func main() { fmt.Println("go-bundle-ok", int(C.abs(-3))) }

            """.utf8
        ).write(to: source.appendingPathComponent("main.go"))
        let output = work.appendingPathComponent("bin/go-cgo").path
        let home = work.path
        try ExternalTool.run([
            "env", "HOME=\(home)", "GOCACHE=\(home)/cache", "GOPATH=\(home)/gopath", "GO111MODULE=off", "GOFLAGS=",
            "CGO_ENABLED=1", "go", "build", "-o", output, source.appendingPathComponent("main.go").path
        ])
        return output
    }

    func podman(_ arguments: [String]) throws -> SwiftBuildProcess.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/podman")
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return .init(
            status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }

    @Test(.enabled(if: podmanAvailable, "needs podman, go and bash"))
    func bashAndACgoProgramRunFromScratch() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try buildGoProgram()
        let bundle = work.appendingPathComponent("bundle")
        let tar = work.appendingPathComponent("bundle.tar").path
        let result = try SwiftBuildProcess.run(["elf", "--bundle", bundle.path, "--output", tar, "--format", "json", "/bin/bash", program])
        #expect(result.status == 0, "\(result.standardError)")
        let created = (try json(result.standardOutput)["created"] as? [String]) ?? []
        #expect(created.contains { $0.hasSuffix("/libc.so.6") }, "\(created)")
        #expect(created.contains { $0.hasSuffix("/ld-linux-x86-64.so.2") }, "\(created)")
        // The bundle is complete on its own: the loader and every library resolve inside it.
        let check = try SwiftBuildProcess.run(["elf", "--root", bundle.path, "/bin/bash", program])
        #expect(check.status == 0, "\(check.standardOutput)")

        // The layer tar (--output) is what podman imports: exactly the bundle's files.
        let layer = try #require(try json(result.standardOutput)["layer"] as? [String: String])
        #expect(layer["diffID"]?.hasPrefix("sha256:") == true)
        let tag = "localhost/swiftbuild-elf-bundle-test:\(UUID().uuidString.prefix(8).lowercased())"
        let imported = try podman(["import", "-q", tar, tag])
        #expect(imported.status == 0, "\(imported.standardError)")
        defer { _ = try? podman(["rmi", "-f", tag]) }
        let limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
        let bash = try podman(["--runtime", "runc", "run", "--rm"] + limits + [tag, "/bin/bash", "-c", "echo bash-ok"])
        #expect(bash.status == 0, "\(bash.standardError)")
        #expect(bash.standardOutput == "bash-ok\n")
        let go = try podman(["--runtime", "runc", "run", "--rm"] + limits + [tag, program])
        #expect(go.status == 0, "\(go.standardError)")
        #expect(go.standardOutput == "go-bundle-ok 3\n")
    }

    /// A source root whose /lib64 is an absolute symlink to a host directory: the bundle
    /// recreates the symlink but writes only beneath the destination; the host directory
    /// (the sentinel) stays empty.
    @Test func absoluteSymlinksNeverLeadWritesOutOfTheBundle() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let sentinel = work.appendingPathComponent("sentinel")
        try FileManager.default.createDirectory(at: sentinel, withIntermediateDirectories: true)
        let root = work.appendingPathComponent("root")
        let inside = root.appendingPathComponent(String(sentinel.path.dropFirst()))
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("app"), withIntermediateDirectories: true)
        try ExternalTool.run([
            "gcc", "-nostdlib", "-Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2", "-Wl,-e,0", "-o",
            root.appendingPathComponent("app/tool").path, "-x", "c", "/dev/null"
        ])
        try Data("loader".utf8).write(to: inside.appendingPathComponent("ld-linux-x86-64.so.2"))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("lib64").path, withDestinationPath: sentinel.path)
        let bundle = work.appendingPathComponent("bundle")
        let result = try SwiftBuildProcess.run(["elf", "--root", root.path, "--bundle", bundle.path, "/app/tool"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: sentinel.path).isEmpty)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: bundle.appendingPathComponent("lib64").path) == sentinel.path)
        #expect(
            FileManager.default.fileExists(
                atPath: bundle.appendingPathComponent(String(sentinel.path.dropFirst()) + "/ld-linux-x86-64.so.2").path),
            "\(result.standardOutput)\(result.standardError)")
    }
}
