import Foundation

/// Runs tools (compilers, readelf) for the tests and owns a temporary directory.
enum Shell {
    /// Error from a tool that failed.
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let output: String
        var description: String { "\(command) exited \(status): \(output)" }
    }

    /// Runs `arguments[0]` (looked up in PATH) and returns its standard output; stderr is
    /// included in the error on a non-zero exit.
    @discardableResult
    static func run(_ arguments: [String], allowFailure: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Drain stderr concurrently so a chatty tool cannot block on a full pipe.
        let errorData = LockedData()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
            drained.signal()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        drained.wait()
        if process.terminationStatus != 0 && !allowFailure {
            throw Failure(
                command: arguments.joined(separator: " "), status: process.terminationStatus,
                output: String(decoding: errorData.value, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Data handed from the stderr-draining thread.
    final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ value: Data) { lock.withLock { data = value } }
        var value: Data { lock.withLock { data } }
    }

    /// A new empty directory under the system temporary directory.
    static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/elf-tests-XXXXXX").utf8CString)
        guard let result = mkdtemp(&template) else { throw Failure(command: "mkdtemp", status: errno, output: "") }
        return String(cString: result)
    }
}
