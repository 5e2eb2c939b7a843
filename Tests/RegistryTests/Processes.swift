import Foundation

/// What a finished process printed and how it exited.
struct ProcessResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs the `swiftbuild` binary that `swift build` put next to the test bundle, and the
/// real tools the tests compare with.
enum Processes {
    /// The binary: `$SWIFTBUILD_BINARY`, else `swiftbuild` beside the running test executable.
    static var swiftbuildBinary: URL {
        if let path = ProcessInfo.processInfo.environment["SWIFTBUILD_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("swiftbuild")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/swiftbuild")
    }

    /// Runs `swiftbuild arguments...`, feeding `input` on standard input.
    static func swiftbuild(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
        try run(swiftbuildBinary, arguments, input: input)
    }

    /// Runs a tool found on PATH; throws with its output when it exits non-zero.
    @discardableResult
    static func tool(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try run(URL(fileURLWithPath: "/usr/bin/env"), arguments, environment: environment)
        guard result.status == 0 else {
            throw ToolFailure(
                command: arguments.joined(separator: " "), status: result.status,
                output: result.standardOutput + result.standardError)
        }
        return result.standardOutput
    }

    static func run(
        _ executable: URL, _ arguments: [String], input: String? = nil,
        environment: [String: String] = [:]
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), error = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = standardInput
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(Data(input.utf8)) }
        try standardInput.fileHandleForWriting.close()
        // Read both pipes at once, so a chatty process cannot fill one and block.
        let errorData = LockedData()
        let reader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return ProcessResult(
            status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self))
    }

    struct ToolFailure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "`\(command)` exited \(status): \(output)" }
    }
}

/// Data handed from the stderr reader thread.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

/// The repository's root directory, found from this source file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftbuild-registry-test-\(UUID().uuidString.lowercased())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
