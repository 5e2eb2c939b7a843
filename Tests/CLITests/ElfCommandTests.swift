import Foundation
import Testing

/// `swiftbuild elf`: the seed scenario on a built image, a host binary against `ldd`,
/// and the exit statuses.
@Suite("swiftbuild elf", .enabled(if: ExternalTool.isRoot, "building the images needs root"))
struct ElfCommandTests {
    let work: URL
    let store: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
    }

    /// A glibc-linked program copied into a busybox image fails with the missing
    /// interpreter; its static build passes `--require static`.
    @Test func glibcBinaryInABusyboxImageIsFlagged() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        let source = repositoryRoot.appendingPathComponent("Examples/hello.c").path
        try ExternalTool.run(["gcc", "-O2", "-o", context.appendingPathComponent("hello-dynamic").path, source])
        try ExternalTool.run(["gcc", "-static", "-O2", "-o", context.appendingPathComponent("hello-static").path, source])
        try Data("FROM busybox\nCOPY hello-dynamic hello-static /app/\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let built = try SwiftBuildProcess.run(["build", "-t", "mixed", "--root", store.path, "--progress", "quiet", context.path])
        #expect(built.status == 0, "\(built.standardError)")

        let dynamic = try SwiftBuildProcess.run(["elf", "--store", store.path, "--image", "mixed", "--format", "json", "/app/hello-dynamic"]
        )
        #expect(dynamic.status == 1)
        let file = try #require((try json(dynamic.standardOutput)["files"] as? [[String: Any]])?.first)
        #expect(file["path"] as? String == "/app/hello-dynamic")
        #expect(file["kind"] as? String == "dynamic")
        #expect(file["libc"] as? String == "glibc")
        #expect(file["interpreter"] as? String == "/lib64/ld-linux-x86-64.so.2")
        #expect(file["needed"] as? [String] == ["libc.so.6"])
        #expect(
            file["findings"] as? [String] == [
                "exec /app/hello-dynamic: no such file or directory (the interpreter /lib64/ld-linux-x86-64.so.2 is missing from the image)"
            ])

        let statics = try SwiftBuildProcess.run([
            "elf", "--store", store.path, "--image", "mixed", "--require", "static", "/app/hello-static", "/bin/busybox"
        ])
        #expect(statics.status == 0, "\(statics.standardOutput)")
        let scan = try SwiftBuildProcess.run(["elf", "--store", store.path, "--image", "mixed", "--require", "static", "/app"])
        #expect(scan.status == 1)
        #expect(scan.standardOutput.contains("--require static: this file is dynamic with libc glibc"))
        #expect(scan.standardOutput.contains("/app/hello-static: static, ELF64 x86_64, libc none"))
    }

    /// On the host's own root, the libraries found are the ones `ldd` lists.
    @Test func hostBinaryResolvesLikeLdd() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try SwiftBuildProcess.run(["elf", "--format", "json", "/usr/bin/ls"])
        #expect(result.status == 0, "\(result.standardOutput)")
        let file = try #require((try json(result.standardOutput)["files"] as? [[String: Any]])?.first)
        var found: Set<String> = []
        func collect(_ dependencies: [[String: Any]]) {
            for dependency in dependencies {
                if let path = dependency["path"] as? String { found.insert((path as NSString).resolvingSymlinksInPath) }
                collect(dependency["dependencies"] as? [[String: Any]] ?? [])
            }
        }
        collect(file["resolved"] as? [[String: Any]] ?? [])
        let ldd = try ExternalTool.run(["ldd", "/usr/bin/ls"]).split(separator: "\n").compactMap { line -> String? in
            guard let arrow = line.range(of: "=> ") else {
                return line.contains("ld-linux") ? String(line.split(separator: " ")[0]).trimmingCharacters(in: .whitespaces) : nil
            }
            return String(line[arrow.upperBound...].split(separator: " ")[0])
        }.map { ($0 as NSString).resolvingSymlinksInPath }
        #expect(found == Set(ldd))
    }

    @Test func usageErrorsExitTwo() throws {
        let both = try SwiftBuildProcess.run(["elf", "--root", "/", "--image", "x", "/bin/sh"])
        #expect(both.status == 2)
        #expect(both.standardError == "swiftbuild elf: give --root or --image, not both\n")
        let none = try SwiftBuildProcess.run(["elf"])
        #expect(none.status == 2)
    }
}

/// `swiftbuild elf` on files of the host (no image, no root needed): Go binaries under
/// `--require`, and a damaged ELF file in a directory scan.
@Suite("swiftbuild elf on host files")
struct ElfCommandHostTests {
    /// Whether `go` (Debian: golang-go) is in PATH.
    static let hasGo = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/go") }

    /// The first file object of a JSON report.
    static func file(_ result: SwiftBuildProcess.Result) throws -> [String: Any] {
        try #require((try json(result.standardOutput)["files"] as? [[String: Any]])?.first)
    }

    /// A static Go binary (`CGO_ENABLED=0`) meets `--require static`; a cgo one meets
    /// `--require glibc` and not `static`; the JSON names their Go release and CGO_ENABLED.
    @Test(.enabled(if: hasGo, "go is not installed (Debian: golang-go)"))
    func goBinariesMeetTheirRequirement() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work.appendingPathComponent("cgo"), withIntermediateDirectories: true)
        try Data("package main\n\nfunc main() { println(\"hi\") }\n".utf8).write(to: work.appendingPathComponent("main.go"))
        try Data("package main\n\n// #include <stdlib.h>\nimport \"C\"\n\nfunc main() { println(int(C.abs(-3))) }\n".utf8)
            .write(to: work.appendingPathComponent("cgo/main.go"))
        let environment = ["HOME=\(work.path)", "GOCACHE=\(work.path)/cache", "GOPATH=\(work.path)/gopath", "GO111MODULE=off", "GOFLAGS="]
        let pure = work.appendingPathComponent("pure-go").path
        let cgo = work.appendingPathComponent("cgo-go").path
        try ExternalTool.run(environment + ["CGO_ENABLED=0", "go", "build", "-o", pure, "main.go"], in: work)
        try ExternalTool.run(environment + ["CGO_ENABLED=1", "go", "build", "-o", cgo, "main.go"], in: work.appendingPathComponent("cgo"))
        let version = try ExternalTool.run(environment + ["go", "env", "GOVERSION"]).trimmingCharacters(in: .whitespacesAndNewlines)

        let staticPure = try SwiftBuildProcess.run(["elf", "--require", "static", "--format", "json", pure])
        #expect(staticPure.status == 0, "\(staticPure.standardOutput)")
        let pureReport = try Self.file(staticPure)
        #expect(pureReport["kind"] as? String == "static")
        let go = try #require(pureReport["go"] as? [String: Any])
        #expect(go["version"] as? String == version)
        #expect(go["cgo"] as? Bool == false)
        #expect(try SwiftBuildProcess.run(["elf", "--require", "glibc", pure]).status == 1)

        let glibcCgo = try SwiftBuildProcess.run(["elf", "--require", "glibc", "--format", "json", cgo])
        #expect(glibcCgo.status == 0, "\(glibcCgo.standardOutput)")
        let cgoReport = try Self.file(glibcCgo)
        #expect(cgoReport["libc"] as? String == "glibc")
        #expect((cgoReport["go"] as? [String: Any])?["cgo"] as? Bool == true)
        let staticCgo = try SwiftBuildProcess.run(["elf", "--require", "static", cgo])
        #expect(staticCgo.status == 1)
        #expect(
            staticCgo.standardOutput.contains(
                "! --require static: this file is dynamic with libc glibc (Go \(version) CGO_ENABLED=1)"), "\(staticCgo.standardOutput)")
        #expect(try SwiftBuildProcess.run(["elf", "--require", "musl", cgo]).status == 1)
    }

    /// The first 100 bytes of an executable (the header and part of one program header)
    /// are `unreadable`, not a `static-pie`, and fail the command.
    @Test func aTruncatedExecutableIsUnreadable() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/ls")).prefix(100)
        try bytes.write(to: root.appendingPathComponent("cut"))
        let result = try SwiftBuildProcess.run(["elf", "--root", root.path, "--format", "json", "/cut"])
        #expect(result.status == 1)
        let files = try #require(try json(result.standardOutput)["files"] as? [[String: Any]])
        #expect(files.first?["kind"] as? String == "unreadable")
        #expect(
            (files.first?["findings"] as? [String])?.first?.hasPrefix("/cut: truncated program header") == true,
            "\(files.first?["findings"] ?? "")")
    }

    /// A file with the ELF magic and a broken header is reported with a finding naming it
    /// (inside the root), and the scan goes on to the other files.
    @Test func damagedFileInADirectoryScanIsAFinding() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try Data([0x7f, 0x45, 0x4c, 0x46, 9, 1, 1] + [UInt8](repeating: 0, count: 57)).write(to: bin.appendingPathComponent("broken"))
        try Data("#!/bin/sh\n".utf8).write(to: bin.appendingPathComponent("script"))
        try FileManager.default.copyItem(atPath: "/usr/bin/ls", toPath: bin.appendingPathComponent("ls").path)
        let result = try SwiftBuildProcess.run(["elf", "--root", root.path, "--format", "json", "/bin"])
        #expect(result.status == 1)
        let files = try #require(try json(result.standardOutput)["files"] as? [[String: Any]])
        #expect(files.map { $0["path"] as? String } == ["/bin/broken", "/bin/ls"])
        #expect(files.first?["kind"] as? String == "unreadable")
        #expect(files.first?["findings"] as? [String] == ["/bin/broken: invalid ELF class: EI_CLASS is 9, expected 1 or 2"])
        #expect(files.last?["kind"] as? String == "dynamic")
    }
}
