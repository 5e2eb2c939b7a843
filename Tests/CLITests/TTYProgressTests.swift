import Foundation
import Testing

/// `--progress tty` in a real terminal: swiftbuild runs in a tmux pane (a private tmux
/// server, killed at the end) and the screen is read with `capture-pane`. Steps that must
/// still be running when the screen is read wait for a gate file the test creates in the
/// build context (bound into the step), so no assertion depends on timing: the test polls
/// the screen until what it waits for shows or a generous limit passes.
@Suite("Live progress in a terminal", .enabled(if: ExternalTool.isRoot, "RUN needs root"))
struct TTYProgressTests {
    let workspace: BuildWorkspace

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
        try FileManager.default.createDirectory(at: gate, withIntermediateDirectories: true)
    }

    var gate: URL { workspace.context.appendingPathComponent("gate") }

    /// A RUN step that prints two lines, then waits until the test creates `gate/open`.
    static let gatedStep =
        "RUN --mount=type=bind,source=gate,target=/gate sh -c 'echo waiting-at-gate; until [ -e /gate/open ]; do sleep 0.1; done; echo passed-gate'"

    static let twoStages = """
        FROM busybox AS first
        RUN echo first-stage-ran
        FROM busybox AS second
        COPY --from=first /etc/passwd /copied
        \(gatedStep)
        RUN echo last-step
        """

    /// Runs `swiftbuild build --progress PROGRESS` (none: the default, auto) on `dockerfile`
    /// in the tmux pane.
    func startBuild(
        _ dockerfile: String, in tmux: Tmux, progress: String? = "tty", environment: [String: String] = [:]
    ) throws {
        try Data(dockerfile.utf8).write(to: workspace.context.appendingPathComponent("Dockerfile"))
        try tmux.run(
            [SwiftBuildProcess.binary.path, "build", "--root", workspace.store.path] + (progress.map { ["--progress", $0] } ?? [])
                + ["-t", "tty-test", workspace.context.path], environment: environment)
    }

    @Test func showsRunningStepsRedrawsOnResizeAndEndsWithTheSummary() throws {
        let tmux = try Tmux(columns: 80, rows: 24)
        defer { tmux.kill(); workspace.remove() }
        try startBuild(Self.twoStages, in: tmux)

        // While the gated step runs: the header, the first stage's step collapsed to DONE,
        // the running step with its elapsed time and its output line under it.
        var screen = try tmux.waitForScreen { $0.contains(" => => # waiting-at-gate") }
        var lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building ") && !$0.contains("FINISHED") }, "\(screen.text)")
        #expect(lines.contains { $0.hasPrefix(" => DONE [first 1/1] RUN echo first-stage-ran") }, "\(screen.text)")
        let running = try #require(lines.first { $0.hasPrefix(" => [second 2/3] RUN --mount=type=bind") }, "\(screen.text)")
        #expect(running.range(of: #" [0-9]+\.[0-9]s$"#, options: .regularExpression) != nil, "\(running)")
        #expect(running.count <= 79)
        #expect(lines.filter { $0.hasPrefix("[+] Building") }.count == 1, "one frame on the screen:\n\(screen.text)")

        // Narrower: the next frame is cut to 39 columns, nothing wraps, and the old frame
        // (rewrapped by tmux) was erased: one header on the screen.
        try tmux.resize(columns: 40, rows: 24)
        screen = try tmux.waitForScreen { screen in
            screen.lines.contains { $0.hasPrefix(" => [second 2/3] RUN --mount") && $0.count <= 39 }
                && screen.lines.filter { $0.hasPrefix("[+] Building") }.count == 1
        }
        lines = screen.lines
        // capture-pane joins wrapped lines: a line that wrapped would be longer here.
        #expect(lines.allSatisfy { $0.count <= 39 }, "\(screen.text)")
        let narrowRunning = try #require(lines.first { $0.hasPrefix(" => [second 2/3]") })
        #expect(narrowRunning.range(of: #" [0-9]+\.[0-9]s$"#, options: .regularExpression) != nil, "\(narrowRunning)")
        #expect(lines.contains(" => => # waiting-at-gate"), "\(screen.text)")

        // Wider again, then open the gate: the build ends with the summary and every step
        // collapsed to one line, which stay on the screen.
        try tmux.resize(columns: 100, rows: 24)
        _ = try tmux.waitForScreen { $0.lines.contains { $0.hasPrefix(" => [second 2/3]") && $0.count > 40 } }
        FileManager.default.createFile(atPath: gate.appendingPathComponent("open").path, contents: Data())
        screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        lines = screen.lines
        let header = try #require(lines.first { $0.hasPrefix("[+] Building") }, "\(screen.text)")
        // Four steps and the written image.
        #expect(header.range(of: #"^\[\+\] Building [0-9]+\.[0-9]s \(5/5\) FINISHED$"#, options: .regularExpression) != nil, "\(header)")
        #expect(lines.filter { $0.hasPrefix("[+] Building") }.count == 1, "\(screen.text)")
        for step in [
            "[first 1/1] RUN echo first-stage-ran", "[second 1/3] COPY --from=first", "[second 2/3] RUN --mount",
            "[second 3/3] RUN echo last-step"
        ] {
            #expect(lines.contains { $0.hasPrefix(" => DONE \(step)") }, "\(step)\n\(screen.text)")
        }
        #expect(lines.contains { $0.hasPrefix(" => DONE writing image sha256:") }, "\(screen.text)")
        #expect(!lines.contains { $0.hasPrefix(" => => #") }, "output lines collapse with their step:\n\(screen.text)")
        // The ELF check report prints in full after the live view.
        let report = try #require(lines.firstIndex { $0.hasPrefix("#1 ELF check: ") }, "\(screen.text)")
        #expect(report > lines.firstIndex(of: header)!)
    }

    @Test func withoutATerminalTtyPrintsThePlainLines() throws {
        defer { workspace.remove() }
        FileManager.default.createFile(atPath: gate.appendingPathComponent("open").path, contents: Data())
        try Data(Self.twoStages.utf8).write(to: workspace.context.appendingPathComponent("Dockerfile"))
        let result = try SwiftBuildProcess.run(
            ["build", "--root", workspace.store.path, "--progress", "tty", workspace.context.path], environment: ["TERM": "xterm"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("#1 [first 1/1] RUN echo first-stage-ran\n#1 first-stage-ran\n#1 DONE "))
        #expect(!result.standardError.contains("[+] Building") && !result.standardError.contains("\u{1B}"))
    }

    @Test func aFailedStepKeepsItsLastLinesAboveTheError() throws {
        let tmux = try Tmux(columns: 80, rows: 30)
        defer { tmux.kill(); workspace.remove() }
        // No --progress: auto is tty on a terminal.
        try startBuild("FROM busybox AS app\nRUN echo building; echo reason-for-failure; exit 3\n", in: tmux, progress: nil)
        let screen = try tmux.waitForExit()
        #expect(screen.status == 1, "\(screen.text)")
        let lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building") && $0.hasSuffix("(0/1) FAILED") }, "\(screen.text)")
        let step = try #require(lines.firstIndex { $0.hasPrefix(" => ERROR [app 1/1] RUN echo building") }, "\(screen.text)")
        let output = try #require(lines.firstIndex(of: " => => # reason-for-failure"), "\(screen.text)")
        let error = try #require(lines.firstIndex { $0.hasPrefix("ERROR: failed to solve:") }, "\(screen.text)")
        #expect(step < output && output < error)
    }

    @Test func ctrlCLeavesTheTerminalCleanWithTheCursorShown() throws {
        let tmux = try Tmux(columns: 80, rows: 24)
        defer { tmux.kill(); workspace.remove() }
        try startBuild("FROM busybox AS app\n\(Self.gatedStep)\n", in: tmux)
        _ = try tmux.waitForScreen { $0.contains(" => => # waiting-at-gate") }
        #expect(try tmux.cursorVisible() == false, "the cursor is hidden while the display runs")
        try tmux.sendInterrupt()
        let screen = try tmux.waitForExit()
        #expect(screen.status == 130, "\(screen.text)")
        #expect(try tmux.cursorVisible(), "the cursor is shown again")
        let lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building") && $0.hasSuffix("(0/1) CANCELED") }, "\(screen.text)")
        #expect(lines.contains { $0.hasPrefix(" => CANCELED [app 1/1] RUN --mount") }, "\(screen.text)")
        #expect(lines.contains { $0.hasPrefix("build interrupted by SIGINT") }, "\(screen.text)")
    }

    @Test func aDumbTerminalGetsThePlainLines() throws {
        let tmux = try Tmux(columns: 80, rows: 24)
        defer { tmux.kill(); workspace.remove() }
        FileManager.default.createFile(atPath: gate.appendingPathComponent("open").path, contents: Data())
        try startBuild(Self.twoStages, in: tmux, environment: ["TERM": "dumb"])
        let screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        #expect(screen.lines.contains { $0.hasPrefix("#1 [first 1/1] RUN echo first-stage-ran") }, "\(screen.text)")
        #expect(screen.lines.contains { $0.hasSuffix(" passed-gate") && $0.hasPrefix("#") }, "\(screen.text)")
        #expect(!screen.text.contains("[+] Building"), "\(screen.text)")
    }
}
