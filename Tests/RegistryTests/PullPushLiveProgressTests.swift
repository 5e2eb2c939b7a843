import Foundation
import TerminalTestSupport
import Testing

/// Standalone `swiftbuild pull` and `push` on a terminal (a tmux pane, as the build's live
/// view is tested): the live transfer view by default, ending as one line with the bytes
/// moved; the plain lines when `TERM` is `dumb`, as `build` decides.
@Suite(
    "Live progress of pull and push",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct PullPushLiveProgressTests {
    @Test func pullAndPushShowTheLiveViewOnATerminalAndPlainLinesOnADumbOne() throws {
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
        let reference = "\(registry.address)/library/busybox:1"
        let size = #"\([0-9.]+ (B|kB|MB)\)"#

        // push: no --progress, so auto, which is the live view on a terminal.
        try tmux.run([Processes.swiftbuildBinary.path, "push", "--root", seed, "busybox", reference], environment: [:])
        var screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        var lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Pushing") && $0.hasSuffix("(1/1) FINISHED") }, "\(screen.text)")
        let pushed = try #require(lines.first { $0.hasPrefix(" => DONE pushing \(reference) ") }, "\(screen.text)")
        #expect(pushed.range(of: size, options: .regularExpression) != nil, "\(pushed)")
        #expect(lines.contains { $0.hasPrefix("Pushed \(reference): sha256:") }, "\(screen.text)")
        #expect(!lines.contains { $0.contains(": uploading ") || $0.contains(": uploaded") }, "no plain lines:\n\(screen.text)")

        // pull into an empty store: the same view.
        let store = work.appendingPathComponent("store").path
        try tmux.run([Processes.swiftbuildBinary.path, "pull", "--root", store, reference], environment: [:])
        screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Pulling") && $0.hasSuffix("(1/1) FINISHED") }, "\(screen.text)")
        let pulled = try #require(lines.first { $0.hasPrefix(" => DONE pulling \(reference) ") }, "\(screen.text)")
        #expect(pulled.range(of: size, options: .regularExpression) != nil, "\(pulled)")
        #expect(!lines.contains { $0.contains(": downloading ") }, "no plain lines:\n\(screen.text)")
        #expect(try Processes.swiftbuild(["images", "--root", store]).standardOutput.contains(reference))

        // TERM=dumb: the plain lines, one per blob event, and no view.
        let dumbStore = work.appendingPathComponent("dumb-store").path
        try tmux.run([Processes.swiftbuildBinary.path, "pull", "--root", dumbStore, reference], environment: ["TERM": "dumb"])
        screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        #expect(screen.lines.contains { $0.contains(": downloading ") }, "\(screen.text)")
        #expect(!screen.text.contains("[+] Pulling") && !screen.text.contains("\u{1B}"), "\(screen.text)")
    }
}
