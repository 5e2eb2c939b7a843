import ArgumentParser
import Foundation

/// Runs `body`; a failure is printed on stderr as its own message (for Dockerfile errors,
/// `FILE:LINE: message`) and the command exits with status 1.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        printToStandardError("\(error)")
        throw ExitCode.failure
    }
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
