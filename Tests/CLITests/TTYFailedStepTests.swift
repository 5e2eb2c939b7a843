import Foundation
import TerminalTestSupport
import Testing

/// A failing step in the live view and in the plain lines: the step that failed is an
/// error line with its last output lines, a step stopped with it is canceled, and the
/// summary after the view names the failed step with its output, as BuildKit's does.
extension TTYProgressTests {
    /// Two stages at once: `slow` holds on until the test ends; `bad` waits until `slow`
    /// has started (a marker in a shared cache mount), prints two lines and fails.
    static let failingBesideARunningStage = """
        FROM busybox AS slow
        RUN --mount=type=cache,id=failing-beside,target=/c sh -c 'echo started > /c/slow; i=0; while [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done'
        FROM busybox AS bad
        RUN --mount=type=cache,id=failing-beside,target=/c sh -c 'until [ -e /c/slow ]; do sleep 0.1; done; echo building; echo reason-for-failure; exit 3'
        FROM busybox
        COPY --from=slow /etc/passwd /slow
        COPY --from=bad /etc/passwd /bad
        """

    @Test func theFailedStepIsNamedInTheSummaryAndTheOtherIsCanceled() throws {
        let tmux = try Tmux(columns: 160, rows: 40)
        defer { tmux.kill(); workspace.remove() }
        try startBuild(Self.failingBesideARunningStage, in: tmux, progress: nil)
        let screen = try tmux.waitForExit()
        #expect(screen.status == 1, "\(screen.text)")
        let lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building") && $0.hasSuffix(" FAILED") }, "\(screen.text)")
        let failed = try #require(lines.firstIndex { $0.hasPrefix(" => ERROR [bad 1/1] RUN --mount") }, "\(screen.text)")
        #expect(lines[failed].range(of: #" [0-9]+\.[0-9]s$"#, options: .regularExpression) != nil, "\(lines[failed])")
        #expect(lines[failed + 1] == " => => # building" && lines[failed + 2] == " => => # reason-for-failure", "\(screen.text)")
        #expect(lines.contains { $0.hasPrefix(" => CANCELED [slow 1/1] RUN --mount") }, "\(screen.text)")
        #expect(!lines.contains { $0.hasPrefix(" => ERROR [slow") }, "only the step that failed is an error:\n\(screen.text)")
        // After the view: the failed step named, its output between dashes, then the error.
        let named = try #require(lines.firstIndex { $0.hasPrefix(" > [bad 1/1] RUN --mount") && $0.hasSuffix(":") }, "\(screen.text)")
        #expect(lines[named - 1] == "------", "\(screen.text)")
        #expect(Array(lines[(named + 1)...].prefix(3)) == ["building", "reason-for-failure", "------"], "\(screen.text)")
        let error = try #require(lines.firstIndex { $0.hasPrefix("ERROR: failed to solve:") }, "\(screen.text)")
        #expect(failed < named && named < error)
    }

    @Test func thePlainLinesSayWhichStepFailed() throws {
        defer { workspace.remove() }
        let result = try workspace.build("FROM busybox AS app\nRUN echo building; exit 3\n")
        #expect(result.status == 1, "\(result.standardError)")
        let lines = result.standardError.split(separator: "\n").map(String.init)
        let failed = try #require(lines.firstIndex { $0 == "#1 ERROR: the command exited with status 3" }, "\(result.standardError)")
        #expect(lines[failed - 1] == "#1 building", "\(result.standardError)")
        let error = try #require(lines.firstIndex { $0.hasPrefix("ERROR: failed to solve:") }, "\(result.standardError)")
        #expect(failed < error)
    }
}
