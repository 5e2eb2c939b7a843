import ArgumentParser
import Builder
import Dockerfile
import FileNames
import Foundation
import Synchronization

/// How build progress is shown on stderr.
enum ProgressMode: String, CaseIterable {
    /// tty when stderr is a terminal, plain otherwise.
    case auto
    /// One line per event, as BuildKit's `--progress=plain` does.
    case plain
    /// A live view redrawn in place (``LiveProgressDisplay``); plain when stderr is not a
    /// terminal or `TERM` is `dumb`.
    case tty
    /// Nothing but errors.
    case quiet
}

/// Prints build events on stderr: `#3 [builder 2/4] RUN make`, each line of the step's
/// output as `#3 line`, then `#3 DONE 0.31s`, with what a RUN step used measured by its
/// cgroup: `#3 DONE 0.31s (peak 35 MiB, cpu 0.20s)`. Stages building at the same time interleave
/// their lines; the `#N` prefix tells them apart. In tty mode the events go to the live
/// display instead, and the ELF check report prints after it.
final class ProgressRenderer: Sendable {
    let mode: ProgressMode
    private let counter = StepCounter()
    /// The live display, in tty mode.
    let live: LiveProgressDisplay?
    private let heldELFCheck = Mutex<(ELFCheckReport, ELFCheckPolicy)?>(nil)

    init(mode: ProgressMode) {
        self.mode = mode
        live = mode == .tty ? LiveProgressDisplay() : nil
    }

    /// Runs `body` (the build) with the live display in tty mode: started before, its last
    /// frame drawn after however the build ends, then the ELF check report; the error
    /// message of a failed build prints after both.
    func displaying<T>(_ body: () async throws -> T) async throws -> T {
        guard let live else { return try await body() }
        live.start()
        let result: T
        do {
            result = try await body()
        } catch {
            let interrupted = error is CancellationError || ((error as? ExitCode).map { $0.rawValue > 128 } ?? false)
            live.finish(interrupted ? .canceled : .failed)
            printHeldELFCheck()
            throw error
        }
        live.finish(.finished)
        printHeldELFCheck()
        return result
    }

    private func printHeldELFCheck() {
        if let held = heldELFCheck.withLock({ $0 }) { renderELFCheck(held.0, policy: held.1) }
    }

    func handle(_ event: BuildEvent) {
        if let live {
            if case .elfChecked(let report, let policy) = event {
                heldELFCheck.withLock { $0 = (report, policy) }
            } else {
                live.handle(event)
            }
            return
        }
        if case .elfChecked(let report, let policy) = event {
            renderELFCheck(report, policy: policy)
            return
        }
        guard mode != .quiet else { return }
        switch event {
        case .stepStarted(let stage, let step, let total, let instruction):
            // The instruction is the Dockerfile's text: no control characters reach the terminal.
            printToStandardError("#\(counter.next(for: stage)) [\(stage) \(step)/\(total)] \(instruction.withControlCharactersEscaped)")
        case .output(let stage, let line):
            printToStandardError("#\(counter.current(for: stage)) \(line)")
        case .stepFinished(let stage, _, let duration, let usage):
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            let measured = usage?.summary.map { " (\($0))" } ?? ""
            printToStandardError("#\(counter.current(for: stage)) DONE \(String(format: "%.2f", seconds))s\(measured)")
        case .stepCached(let stage, _):
            printToStandardError("#\(counter.current(for: stage)) CACHED")
        case .stepFailed(let stage, _, let message):
            let first = message.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? message
            printToStandardError("#\(counter.current(for: stage)) ERROR: \(first.withControlCharactersEscaped)")
        case .exported(let imageID, let tags):
            printToStandardError("writing image \(imageID)" + (tags.isEmpty ? "" : " as \(tags.joined(separator: ", "))"))
        case .elfChecked:
            break
        }
    }

    /// The summary (one line per executable: path, linkage), unless quiet, then every
    /// finding, always, with the instruction that brought the file in.
    private func renderELFCheck(_ report: ELFCheckReport, policy: ELFCheckPolicy) {
        if mode != .quiet {
            let programs = report.executables.filter { !$0.isLibrary }
            let count = programs.count
            let platform = report.platform.map { " (\($0))" } ?? ""
            printToStandardError("#\(counter.next()) ELF check: \(count) executable\(count == 1 ? "" : "s") added or changed\(platform)")
            let paths = programs.map { FileName.display($0.path) }
            let width = paths.map(\.count).max() ?? 0
            for (executable, path) in zip(programs, paths) {
                let padding = String(repeating: " ", count: width - path.count)
                printToStandardError("    \(path)\(padding)  \(executable.linkage)")
            }
        }
        let severity = policy == .error ? "error" : "warning"
        for executable in report.failing {
            for finding in executable.findings {
                printToStandardError("\(severity): \(FileName.display(executable.path)): \(FileName.display(finding))")
            }
            printToStandardError("    brought in by \(executable.origin)")
            for remedy in executable.remedies { printToStandardError("    remedy: \(FileName.display(remedy))") }
        }
        for warning in report.warnings { printToStandardError("warning: \(FileName.display(warning))") }
        if let entrypoint = report.entrypoint, !entrypoint.findings.isEmpty {
            for finding in entrypoint.findings {
                printToStandardError("\(severity): ENTRYPOINT/CMD \(entrypoint.argv): \(FileName.display(finding))")
            }
            for remedy in entrypoint.remedies { printToStandardError("    remedy: \(FileName.display(remedy))") }
        }
    }
}

/// Numbers steps across stages, like BuildKit's `#N`, and remembers each stage's current one.
private final class StepCounter: Sendable {
    private struct Numbers {
        var value = 0
        var currentByStage: [String: Int] = [:]
    }

    private let numbers = Mutex(Numbers())

    /// A new number, for something that is not a stage's step.
    func next() -> Int {
        numbers.withLock {
            $0.value += 1; return $0.value
        }
    }

    /// A new number for `stage`'s next step.
    func next(for stage: String) -> Int {
        numbers.withLock { numbers in
            numbers.value += 1
            numbers.currentByStage[stage] = numbers.value
            return numbers.value
        }
    }

    /// The number of `stage`'s running step.
    func current(for stage: String) -> Int { numbers.withLock { $0.currentByStage[stage] ?? $0.value } }
}
