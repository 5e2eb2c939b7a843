import Builder
import Foundation

/// How build progress is shown on stderr.
enum ProgressMode: String, CaseIterable {
    /// tty when stderr is a terminal, plain otherwise.
    case auto
    /// One line per event, as BuildKit's `--progress=plain` does.
    case plain
    /// The same lines; swiftbuild has no redrawing display yet.
    case tty
    /// Nothing but errors.
    case quiet
}

/// Prints build events on stderr: `#3 [builder 2/4] RUN make`, the step's output
/// indented beneath, then `#3 DONE 0.31s`.
final class ProgressRenderer: Sendable {
    let mode: ProgressMode
    private let counter = StepCounter()

    init(mode: ProgressMode) {
        self.mode = mode
    }

    func handle(_ event: BuildEvent) {
        if case .elfChecked(let report, let policy) = event {
            renderELFCheck(report, policy: policy)
            return
        }
        guard mode != .quiet else { return }
        switch event {
        case .stepStarted(let stage, let step, let total, let instruction):
            printToStandardError("#\(counter.next()) [\(stage) \(step)/\(total)] \(instruction)")
        case .output(_, let line):
            printToStandardError("    \(line)")
        case .stepFinished(_, _, let duration):
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            printToStandardError("#\(counter.current) DONE \(String(format: "%.2f", seconds))s")
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
            let count = report.executables.count
            printToStandardError("#\(counter.next()) ELF check: \(count) executable\(count == 1 ? "" : "s") added or changed")
            let width = report.executables.map(\.path.count).max() ?? 0
            for executable in report.executables {
                let padding = String(repeating: " ", count: width - executable.path.count)
                printToStandardError("    \(executable.path)\(padding)  \(executable.linkage)")
            }
        }
        let severity = policy == .error ? "error" : "warning"
        for executable in report.failing {
            for finding in executable.findings {
                printToStandardError("\(severity): \(executable.path): \(finding)")
            }
            printToStandardError("    brought in by \(executable.origin)")
        }
    }
}

/// Numbers steps across stages, like BuildKit's `#N`.
private final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int { lock.withLock { value += 1; return value } }
    var current: Int { lock.withLock { value } }
}
