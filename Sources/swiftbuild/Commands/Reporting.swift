import ArgumentParser
import Builder
import Foundation

/// Runs `body`; a failure is printed on stderr as its own message (for Dockerfile errors,
/// `FILE:LINE: message`) and the command exits with status 1.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        try exit(reporting: error)
    }
}

/// The async form of ``reportingFailures(_:)``.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        try exit(reporting: error)
    }
}

/// The build's form of ``reportingFailures(_:)``: after the error's own message (for a
/// Dockerfile error, `FILE:LINE: message`), a last line `ERROR: failed to solve: ...` as
/// docker buildx ends a failed build, for CI log parsers that look for it.
func reportingBuildFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        if !(error is ValidationError || error is ExitCode) {
            printToStandardError("\(error)")
            let summary = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            printToStandardError("ERROR: failed to solve: \(summary)")
            throw error is ELFCheckFailure ? ExitCode(3) : ExitCode.failure
        }
        throw error
    }
}

/// Usage errors and exit codes go back to ArgumentParser; anything else is printed, with
/// status 3 for executables that would not start (`--elf-check=error`), else status 1.
private func exit(reporting error: any Error) throws -> Never {
    if error is ValidationError || error is ExitCode { throw error }
    printToStandardError("\(error)")
    throw error is ELFCheckFailure ? ExitCode(3) : ExitCode.failure
}

/// Writes one line to standard error (above the live progress display while it runs).
func printToStandardError(_ line: String) {
    if let live = LiveProgressDisplay.active.withLock({ $0 }) { return live.printAbove(line) }
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
