import Builder
import Foundation
import Testing

@testable import swiftbuild

/// The failed step in the tty model, as values: its error line and last output lines,
/// the steps stopped with it canceled, and the summary that names it.
@Suite("Live progress model: a failed step")
struct LiveProgressFailureModelTests {
    @Test func theFailedStepIsAnErrorTheOtherCanceledAndTheSummaryNamesIt() throws {
        var model = LiveProgressModel()
        model.apply(.stepStarted(stage: "slow", step: 1, of: 1, instruction: "RUN sleep 100"), at: 0)
        model.apply(.stepStarted(stage: "app", step: 2, of: 3, instruction: "RUN ./test.sh"), at: 0.5)
        for number in 1...8 { model.apply(.output(stage: "app", line: "line \(number)"), at: 1) }
        model.apply(
            .stepFailed(stage: "app", step: 2, message: "process \"/bin/sh -c ./test.sh\" did not complete successfully: exit code: 1"),
            at: 2)
        // While it still draws: the failed step is already an error line with its output.
        let running = model.lines(now: 2.1, width: 80, height: 24)
        #expect(running.contains { $0.hasPrefix(" => ERROR [app 2/3] RUN ./test.sh") && $0.hasSuffix(" 1.5s") }, "\(running)")
        model.end(.failed, at: 2.2)
        let lines = model.lines(now: 3, width: 80, height: 24)
        #expect(lines[0] == "[+] Building 2.2s (0/2) FAILED", "\(lines)")
        let failed = try #require(lines.firstIndex { $0.hasPrefix(" => ERROR [app 2/3] RUN ./test.sh") })
        #expect(Array(lines[(failed + 1)...].prefix(6)) == (3...8).map { " => => # line \($0)" }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(" => CANCELED [slow 1/1] RUN sleep 100") }, "\(lines)")
        #expect(model.failureSummary() == ["------", " > [app 2/3] RUN ./test.sh:"] + (3...8).map { "line \($0)" } + ["------"])
    }

    @Test func withoutAFailedStepTheStoppedOneIsTheError() {
        var model = LiveProgressModel()
        model.apply(.stepStarted(stage: "app", step: 1, of: 1, instruction: "RUN make"), at: 0)
        model.end(.failed, at: 1)
        #expect(model.lines(now: 1, width: 80, height: 24).contains { $0.hasPrefix(" => ERROR [app 1/1] RUN make") })
        #expect(model.failureSummary().isEmpty)
    }

    @Test func aTransferViewHasItsOwnTitle() {
        var model = LiveProgressModel()
        model.title = "Pulling"
        let handle = model.beginTransfer("pulling localhost:5000/app:1", at: 0)
        model.endTransfer(handle, at: 1.25)
        model.end(.finished, at: 1.25)
        let lines = model.lines(now: 2, width: 80, height: 24)
        #expect(lines[0] == "[+] Pulling 1.2s (1/1) FINISHED", "\(lines)")
        #expect(lines[1].hasPrefix(" => DONE pulling localhost:5000/app:1"), "\(lines)")
    }
}
