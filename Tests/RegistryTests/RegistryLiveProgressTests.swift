import Foundation
import Testing

/// The live (tty) progress display of a build that pulls its FROM image and pushes its
/// result, in a tmux pane (Tmux.swift, as the CLI tests): each transfer ends as
/// one line with the bytes it moved.
@Suite(
    "Live progress of registry transfers",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct RegistryLiveProgressTests {
    @Test func pullAndPushCollapseToOneLineWithTheirBytes() throws {
        let work = try makeTemporaryDirectory()
        let registry = try RegistryServer()
        let tmux = try Tmux(columns: 120, rows: 30)
        defer {
            tmux.kill()
            registry.stop()
            try? FileManager.default.removeItem(at: work)
        }
        let seed = work.appendingPathComponent("seed-store").path
        try Processes.tool(
            [repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path, "--root", seed],
            environment: ["SWIFTBUILD": Processes.swiftbuildBinary.path])
        let base = "\(registry.address)/library/busybox:1"
        #expect(try Processes.swiftbuild(["push", "busybox", base, "--root", seed]).status == 0)
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("FROM \(base)\nRUN echo built > /built\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let app = "\(registry.address)/team/app:1"

        try tmux.run(
            [
                Processes.swiftbuildBinary.path, "build", "--progress", "tty", "--root", work.appendingPathComponent("store").path,
                "-t", app, "--push", context.path
            ], environment: [:])
        let screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        let lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building") && $0.hasSuffix("FINISHED") }, "\(screen.text)")
        let size = #"\([0-9.]+ (B|kB|MB)\)"#
        let pulled = try #require(lines.first { $0.hasPrefix(" => DONE pulling \(registry.address)/library/busybox:1 ") }, "\(screen.text)")
        #expect(pulled.range(of: size, options: .regularExpression) != nil, "\(pulled)")
        let pushed = try #require(lines.first { $0.hasPrefix(" => DONE pushing \(app) ") }, "\(screen.text)")
        #expect(pushed.range(of: size, options: .regularExpression) != nil, "\(pushed)")
        #expect(!lines.contains { $0.contains(": downloading ") || $0.contains(": uploading ") }, "no plain transfer lines")
    }
}
