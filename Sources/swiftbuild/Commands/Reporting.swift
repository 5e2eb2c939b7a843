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

/// Usage errors and exit codes go back to ArgumentParser; anything else is printed, with
/// status 3 for executables that would not start (`--elf-check=error`), else status 1.
private func exit(reporting error: any Error) throws -> Never {
    if error is ValidationError || error is ExitCode { throw error }
    printToStandardError("\(error)")
    throw error is ELFCheckFailure ? ExitCode(3) : ExitCode.failure
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
