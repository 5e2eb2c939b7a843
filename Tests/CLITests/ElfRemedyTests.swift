import Foundation
import Testing

/// `swiftbuild elf` remedies, on roots made in a temporary directory (no image needed): a Go
/// program that calls C only through net and os/user, a glibc program needing a newer glibc
/// than the root has, and a separate debug file.
@Suite("swiftbuild elf remedies")
struct ElfRemedyTests {
    let work: URL

    init() throws {
        work = try makeTemporaryDirectory()
    }

    func elf(_ arguments: [String]) throws -> (status: Int32, files: [[String: Any]], text: String) {
        let result = try SwiftBuildProcess.run(["elf"] + arguments)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return (result.status, object?["files"] as? [[String: Any]] ?? [], result.standardOutput)
    }

    static let goAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/go")

    @Test(.enabled(if: goAvailable, "needs go (golang-go)"))
    func goProgramUsingTheCgoResolverIsToldToSetCgoEnabled0() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let source = work.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Data(
            """
            package main

            import ("fmt"; "net"; "os/user")

            func main() { a, _ := net.LookupHost("localhost"); u, _ := user.Current(); fmt.Println(a, u) }

            """.utf8
        ).write(to: source.appendingPathComponent("main.go"))
        let root = work.appendingPathComponent("root/app")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let home = work.path
        try ExternalTool.run([
            "env", "HOME=\(home)", "GOCACHE=\(home)/cache", "GOPATH=\(home)/gopath", "GO111MODULE=off", "GOFLAGS=",
            "CGO_ENABLED=1", "go", "build", "-o", root.appendingPathComponent("server").path,
            source.appendingPathComponent("main.go").path
        ])
        let result = try elf(["--root", work.appendingPathComponent("root").path, "--format", "json", "/app/server"])
        #expect(result.status == 1)
        let remedies = try #require(result.files.first?["remedies"] as? [String])
        #expect(remedies.count == 1)
        #expect(remedies.first?.hasPrefix("rebuild with CGO_ENABLED=0: this go") == true)
        #expect(
            remedies.first?.contains(
                "calls C only through net (the cgo DNS resolver) and os/user (cgo user lookups), which Go then implements itself (or build with -tags netgo,osusergo); the result is static"
            ) == true)
    }

    /// A program needing GLIBC_2.34 (`__libc_start_main@GLIBC_2.34`, every program Debian 12's
    /// gcc links) against a libc that defines versions only up to GLIBC_2.31.
    @Test func glibcTooOldNamesTheRootsGlibcVersion() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        for directory in ["app", "lib64", "lib/x86_64-linux-gnu"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try ExternalTool.run([
            "gcc", "-O2", "-o", root.appendingPathComponent("app/hello").path,
            repositoryRoot.appendingPathComponent("Examples/hello.c").path
        ])
        // An old libc.so.6: a library whose version script defines GLIBC_2.2.5 to GLIBC_2.31.
        let script = work.appendingPathComponent("old.map")
        try Data(
            "GLIBC_2.2.5 { global: puts; __libc_start_main; __cxa_finalize; local: *; };\nGLIBC_2.31 { global: printf; } GLIBC_2.2.5;\n"
                .utf8
        )
        .write(to: script)
        let stub = work.appendingPathComponent("stub.c")
        try Data(
            "int puts(const char *s) { return 0; }\nint printf(const char *f, ...) { return 0; }\nint __libc_start_main(void) { return 0; }\nvoid __cxa_finalize(void *d) {}\n"
                .utf8
        ).write(to: stub)
        try ExternalTool.run([
            "gcc", "-shared", "-nostdlib", "-fPIC", "-Wl,-soname,libc.so.6", "-Wl,--version-script=\(script.path)",
            "-o", root.appendingPathComponent("lib/x86_64-linux-gnu/libc.so.6").path, stub.path
        ])
        // The loader: a copy of the same stub library stands in (only its presence and machine matter).
        try ExternalTool.run([
            "cp", root.appendingPathComponent("lib/x86_64-linux-gnu/libc.so.6").path,
            root.appendingPathComponent("lib64/ld-linux-x86-64.so.2").path
        ])
        let result = try elf(["--root", root.path, "--format", "json", "/app/hello"])
        #expect(result.status == 1)
        let file = try #require(result.files.first)
        let findings = file["findings"] as? [String] ?? []
        #expect(findings.contains { $0.contains("version 'GLIBC_2.34' not found") }, "\(findings)")
        let remedies = file["remedies"] as? [String] ?? []
        #expect(
            remedies.contains(
                "/app/hello needs glibc 2.34 (GLIBC_2.34) and the image's glibc is 2.31: build it against glibc 2.31 or older, or base the final stage on an image with glibc 2.34 or newer"
            ), "\(remedies)")
        let text = try SwiftBuildProcess.run(["elf", "--root", root.path, "/app/hello"]).standardOutput
        #expect(text.contains("    remedy: /app/hello needs glibc 2.34"))
    }

    /// `objcopy --only-keep-debug` output keeps the program headers but not their contents: it
    /// is recognised, not reported as damaged.
    @Test func separateDebugFilesAreRecognised() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let root = work.appendingPathComponent("root/usr/lib/debug/.build-id/ab")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let program = work.appendingPathComponent("hello").path
        try ExternalTool.run(["gcc", "-g", "-O2", "-o", program, repositoryRoot.appendingPathComponent("Examples/hello.c").path])
        try ExternalTool.run(["objcopy", "--only-keep-debug", program, root.appendingPathComponent("cdef.debug").path])
        let result = try elf([
            "--root", work.appendingPathComponent("root").path, "--format", "json", "--require", "static", "/usr/lib/debug"
        ])
        #expect(result.status == 0, "\(result.text)")
        #expect(result.files.first?["kind"] as? String == "debug-file")
        #expect(result.files.first?["findings"] as? [String] == [])
    }
}
