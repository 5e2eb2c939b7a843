import Builder
import Foundation
import OCI
import Registry
import Testing

@testable import swiftbuild

/// The tty display's frames as values: what a terminal of a given size would show.
@Suite("Live progress model")
struct LiveProgressModelTests {
    /// Two stages: `base` ran two steps (one cached), `app` is running a RUN that printed eight lines.
    func runningBuild() -> LiveProgressModel {
        var model = LiveProgressModel()
        model.apply(.stepStarted(stage: "base", step: 1, of: 2, instruction: "RUN apt-get update"), at: 0)
        model.apply(.stepCached(stage: "base", step: 1), at: 0.1)
        model.apply(.stepStarted(stage: "base", step: 2, of: 2, instruction: "COPY . /src"), at: 0.1)
        model.apply(.stepFinished(stage: "base", step: 2, duration: .milliseconds(1_250)), at: 1.35)
        model.apply(.stepStarted(stage: "app", step: 1, of: 1, instruction: "RUN make"), at: 1.4)
        for number in 1...8 { model.apply(.output(stage: "app", line: "compiling file\(number).c"), at: 1.5) }
        return model
    }

    @Test func showsTheRunningStepWithItsElapsedTimeAndItsLastLines() {
        let frame = runningBuild().lines(now: 4.0, width: 80, height: 24)
        #expect(frame[0] == "[+] Building 4.0s (2/3)")
        #expect(frame[1].hasPrefix(" => CACHED [base 1/2] RUN apt-get update"))
        #expect(frame[2].hasPrefix(" => DONE [base 2/2] COPY . /src") && frame[2].hasSuffix(" 1.2s"))
        #expect(frame[3].hasPrefix(" => [app 1/1] RUN make") && frame[3].hasSuffix(" 2.6s"))
        // The last six of the eight lines, as BuildKit shows a running step's log.
        #expect(Array(frame[4...]) == (3...8).map { " => => # compiling file\($0).c" })
        // The timer is at the right edge of the 79 columns drawn.
        #expect(frame[3].count == 79)
    }

    @Test func aFinishedBuildCollapsesEveryStepToOneLineUnderTheSummary() {
        var model = runningBuild()
        model.apply(.stepFinished(stage: "app", step: 1, duration: .milliseconds(3_000)), at: 4.4)
        model.apply(.exported(imageID: "sha256:abc", tags: ["app:1"]), at: 4.5)
        model.end(.finished, at: 4.56)
        let frame = model.lines(now: 99, width: 80, height: 3)
        #expect(frame[0] == "[+] Building 4.5s (4/4) FINISHED")
        #expect(frame.count == 5, "the last frame keeps every line, whatever the height")
        #expect(frame[3].hasPrefix(" => DONE [app 1/1] RUN make") && frame[3].hasSuffix(" 3.0s"))
        #expect(frame[4].hasPrefix(" => DONE writing image sha256:abc as app:1"))
        #expect(!frame.contains { $0.contains("compiling") })
    }

    @Test func aFailedBuildKeepsTheFailingStepsLastLines() {
        var model = runningBuild()
        model.apply(.output(stage: "app", line: "make: *** [all] Error 2"), at: 2)
        model.end(.failed, at: 2.5)
        let frame = model.lines(now: 99, width: 80, height: 24)
        #expect(frame[0] == "[+] Building 2.5s (2/3) FAILED")
        #expect(frame[3].hasPrefix(" => ERROR [app 1/1] RUN make") && frame[3].hasSuffix(" 1.1s"))
        #expect(frame.last == " => => # make: *** [all] Error 2")
        #expect(frame.count == 4 + LiveProgressModel.keptLines)
    }

    @Test func anInterruptedBuildSaysCanceled() {
        var model = runningBuild()
        model.end(.canceled, at: 3)
        let frame = model.lines(now: 3, width: 80, height: 24)
        #expect(frame[0] == "[+] Building 3.0s (2/3) CANCELED")
        #expect(frame[3].hasPrefix(" => CANCELED [app 1/1] RUN make"))
    }

    @Test func noLineIsWiderThanANarrowTerminal() {
        var model = runningBuild()
        model.apply(.output(stage: "app", line: String(repeating: "汉字", count: 40)), at: 2)
        for width in [10, 20, 40, 41] {
            for line in model.lines(now: 3, width: width, height: 24) {
                #expect(DisplayWidth.of(line) <= width - 1, "\(width): \(line)")
            }
        }
        // Two columns a character: 39 columns hold " => => # " (9) and 15 of them.
        let last = model.lines(now: 3, width: 40, height: 24).last!
        #expect(last == " => => # " + String(String(repeating: "汉字", count: 40).prefix(15)))
    }

    @Test func controlCharactersFromAStepAreEscaped() {
        var model = LiveProgressModel()
        model.apply(.stepStarted(stage: "s", step: 1, of: 1, instruction: "RUN x"), at: 0)
        model.apply(.output(stage: "s", line: "\u{1B}[2J\u{1B}]0;title\u{07}gone\ttab"), at: 0)
        let frame = model.lines(now: 1, width: 80, height: 24)
        #expect(frame.last == " => => # \\x1B[2J\\x1B]0;title\\x07gone tab")
        #expect(!frame.joined().unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func aShortTerminalShowsTheRunningStepsBeforeTheFinishedOnes() {
        var model = runningBuild()
        let frame = model.lines(now: 3, width: 80, height: 8)
        #expect(frame.count == 7)
        #expect(frame[0].hasPrefix("[+] Building"))
        #expect(frame[1].hasPrefix(" => [app 1/1] RUN make"))
        #expect(frame.last == " => => # compiling file8.c")
        model.apply(.stepStarted(stage: "other", step: 1, of: 1, instruction: "RUN sleep 9"), at: 2)
        let tiny = model.lines(now: 3, width: 80, height: 4)
        #expect(tiny == ["[+] Building 3.0s (2/4)", tiny[1], tiny[2]])
        #expect(tiny[1].hasPrefix(" => [app 1/1] RUN make") && tiny[2].hasPrefix(" => [other 1/1] RUN sleep 9"))
    }

    @Test func aTransferShowsBytesAndRateThenCollapses() throws {
        let blob = Descriptor(mediaType: .ociLayerGzip, digest: Digest(sha256Hex: String(repeating: "ab", count: 32)), size: 4_000_000)
        let config = Descriptor(mediaType: .ociConfig, digest: Digest(sha256Hex: String(repeating: "cd", count: 32)), size: 1_500)
        var model = LiveProgressModel()
        let pull = model.beginTransfer("pulling registry.test/app:1", at: 0)
        model.apply(TransferProgress(descriptor: config, state: .alreadyPresent), toTransfer: pull, at: 0)
        model.apply(TransferProgress(descriptor: blob, state: .downloading), toTransfer: pull, at: 0)
        model.apply(TransferProgress(descriptor: blob, state: .transferred(bytes: 1_000_000)), toTransfer: pull, at: 0.5)
        let frame = model.lines(now: 0.5, width: 80, height: 24)
        #expect(frame[1].hasPrefix(" => pulling registry.test/app:1") && frame[1].hasSuffix(" 0.5s"))
        #expect(frame[2] == " => => sha256:cdcdcdcdcdcd already present (1.5 kB)")
        #expect(frame[3].hasPrefix(" => => sha256:abababababab 1.0 MB / 4.0 MB 2.0 MB/s") && frame[3].hasSuffix(" 0.5s"))
        model.apply(TransferProgress(descriptor: blob, state: .downloaded), toTransfer: pull, at: 1.9)
        model.endTransfer(pull, at: 2)
        let done = model.lines(now: 2, width: 80, height: 24)
        #expect(done.count == 2)
        #expect(done[1].hasPrefix(" => DONE pulling registry.test/app:1 (4.0 MB)") && done[1].hasSuffix(" 2.0s"))
    }

    @Test func displayWidthCountsWideAndCombiningCharacters() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("汉字") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("🙂") == 2)
        #expect(DisplayWidth.truncate("a汉字", to: 2) == "a")
        #expect(DisplayWidth.truncate("a汉字", to: 3) == "a汉")
        #expect(DisplayWidth.truncate("e\u{301}x", to: 1) == "e\u{301}")
    }

    @Test func drawsLiveOnlyOnATerminal() throws {
        // A terminal with TERM=dumb is in the tmux tests (TTYProgressTests).
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        #expect(!Terminal.canDrawLive(on: devNull, environment: ["TERM": "xterm"]))
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { pipeEnds.forEach { close($0) } }
        #expect(!Terminal.canDrawLive(on: pipeEnds[1], environment: ["TERM": "xterm"]))
        #expect(Terminal.size(of: devNull) == (80, 24), "the size assumed where it cannot be read")
    }
}
