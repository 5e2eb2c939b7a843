import Foundation

/// Per-phase timers for finding where a build's time goes around its steps' own
/// processes: with `SWIFTBUILD_TRACE_PHASES=1` in the environment, each timed phase
/// (mounting a step's overlay, the step's own work, unmounting, hashing or packing its
/// layer, committing it, mounting and digesting a `COPY --from` source, exporting) prints
/// one line to standard error:
///
///     swiftbuild-trace: 0-3 process 2940.1 ms
///
/// It is a debugging aid, not progress: the lines are not part of the plain progress
/// format and may change. Off, a phase costs one branch on a flag read once.
enum PhaseTrace {
    /// Whether tracing is on for this process (read once).
    static let enabled: Bool =
        ProcessInfo.processInfo.environment["SWIFTBUILD_TRACE_PHASES"].map { !$0.isEmpty && $0 != "0" }
        ?? false

    /// Runs `body`, printing how long it took as phase `phase` of `step` when tracing is on.
    @discardableResult
    static func measure<T>(_ step: String, _ phase: String, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let started = ContinuousClock.now
        defer { report(step, phase, since: started) }
        return try body()
    }

    /// The `async` form of ``measure(_:_:_:)``.
    @discardableResult
    static func measure<T>(_ step: String, _ phase: String, _ body: () async throws -> T) async rethrows -> T {
        guard enabled else { return try await body() }
        let started = ContinuousClock.now
        defer { report(step, phase, since: started) }
        return try await body()
    }

    /// Prints one phase's time (tracing is on).
    static func report(_ step: String, _ phase: String, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        FileHandle.standardError.write(Data("swiftbuild-trace: \(step) \(phase) \(String(format: "%.1f", milliseconds)) ms\n".utf8))
    }

    /// Prints the peak resident set of swiftbuild's own process so far (not of the steps'
    /// processes, which a `time` around swiftbuild also counts): `swiftbuild-trace: build peak-rss 52.1 MiB`.
    static func reportPeakMemory() {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return }
        FileHandle.standardError.write(
            Data("swiftbuild-trace: build peak-rss \(String(format: "%.1f", Double(usage.ru_maxrss) / 1024)) MiB\n".utf8))
    }
}
