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
        let script = repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path
        try ExternalTool.run(["env", "SWIFTBUILD=\(SwiftBuildProcess.binary.path)", script, "--root", store.path])
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        let source = repositoryRoot.appendingPathComponent("Examples/hello.c").path
        try ExternalTool.run(["gcc", "-O2", "-o", context.appendingPathComponent("hello-dynamic").path, source])
        try ExternalTool.run(["gcc", "-static", "-O2", "-o", context.appendingPathComponent("hello-static").path, source])
        try Data("FROM busybox\nCOPY hello-dynamic hello-static /app/\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let built = try SwiftBuildProcess.run(["build", "-t", "mixed", "--root", store.path, "--progress", "quiet", context.path])
        #expect(built.status == 0, "\(built.standardError)")

        let dynamic = try SwiftBuildProcess.run(["elf", "--store", store.path, "--image", "mixed", "--format", "json", "/app/hello-dynamic"])
        #expect(dynamic.status == 1)
        let file = try #require((try json(dynamic.standardOutput)["files"] as? [[String: Any]])?.first)
        #expect(file["path"] as? String == "/app/hello-dynamic")
        #expect(file["kind"] as? String == "dynamic")
        #expect(file["libc"] as? String == "glibc")
        #expect(file["interpreter"] as? String == "/lib64/ld-linux-x86-64.so.2")
        #expect(file["needed"] as? [String] == ["libc.so.6"])
        #expect(file["findings"] as? [String] == [
            "exec /app/hello-dynamic: no such file or directory (the interpreter /lib64/ld-linux-x86-64.so.2 is missing from the image)",
        ])

        let statics = try SwiftBuildProcess.run(["elf", "--store", store.path, "--image", "mixed", "--require", "static", "/app/hello-static", "/bin/busybox"])
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
            guard let arrow = line.range(of: "=> ") else { return line.contains("ld-linux") ? String(line.split(separator: " ")[0]).trimmingCharacters(in: .whitespaces) : nil }
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
