import Foundation
import Testing

/// A stage's platform is its `FROM --platform`, else the build's target platform: it is
/// what a `FROM scratch` stage's config says, and an unreadable one stops the build at
/// its FROM line.
@Suite("Stage platforms", .enabled(if: ExternalTool.isRoot, "COPY needs root for overlay mounts"))
struct StagePlatformTests {
    let work: URL
    let store: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
    }

    func build(_ dockerfile: String, tag: String, arguments: [String] = []) throws -> SwiftBuildProcess.Result {
        let context = work.appendingPathComponent("context-\(tag)")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        try Data("a\n".utf8).write(to: context.appendingPathComponent("a.txt"))
        return try SwiftBuildProcess.run(
            ["build", "-t", tag, "--root", store.path, "--progress", "plain"] + arguments
                + [context.path])
    }

    /// The stored image's `architecture`, `os` and `variant`.
    func platform(_ tag: String) throws -> [String?] {
        let inspected = try json(try SwiftBuildProcess.run(["inspect", tag, "--root", store.path]).standardOutput)
        let config = try #require(inspected["config"] as? [String: Any])
        return ["os", "architecture", "variant"].map { config[$0] as? String }
    }

    @Test func aScratchStageIsForItsFromPlatform() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM --platform=linux/arm64/v8 scratch AS arm
            COPY a.txt /a.txt
            FROM --platform=$BUILDPLATFORM scratch AS native
            COPY a.txt /a.txt
            FROM scratch
            COPY --from=arm /a.txt /b.txt

            """
        let arm = try build(dockerfile, tag: "arm", arguments: ["--target", "arm"])
        #expect(arm.status == 0, "\(arm.standardError)")
        #expect(try platform("arm") == ["linux", "arm64", nil])
        let target = try build(dockerfile, tag: "target", arguments: ["--platform", "linux/riscv64"])
        #expect(target.status == 0, "\(target.standardError)")
        #expect(try platform("target") == ["linux", "riscv64", nil])
        let native = try build(dockerfile, tag: "native", arguments: ["--target", "native", "--platform", "linux/riscv64"])
        #expect(native.status == 0, "\(native.standardError)")
        #if arch(x86_64)
            #expect(try platform("native") == ["linux", "amd64", nil])
        #elseif arch(arm64)
            #expect(try platform("native") == ["linux", "arm64", nil])
        #endif
    }

    @Test func anUnreadableFromPlatformStopsTheBuildAtItsLine() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build("FROM scratch\nCOPY a.txt /a.txt\nFROM --platform=linux/ scratch\nCOPY a.txt /a.txt\n", tag: "bad")
        #expect(result.status != 0)
        #expect(
            result.standardError.contains(
                "Dockerfile:3: FROM --platform=linux/ scratch: invalid platform 'linux/': the architecture is empty; expected os/arch[/variant], e.g. linux/amd64"
            ),
            "\(result.standardError)")
    }
}
