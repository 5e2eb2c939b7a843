import Foundation

/// Collects a step's output from a pipe: each line goes to the build's events as it
/// arrives, and the last lines are kept for the error message if the step fails.
final class StepOutput: Sendable {
    /// The write end to give the step as its stdout and stderr.
    let writeDescriptor: Int32
    private let tail = TailBuffer()
    private let finished = DispatchSemaphore(value: 0)

    init(stage: String, events: @escaping BuildEventHandler) throws {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else {
            throw BuildError(file: "", line: 0, instruction: "RUN", message: "pipe: \(String(cString: strerror(errno)))")
        }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        writeDescriptor = descriptors[1]
        let (readDescriptor, tail, finished) = (descriptors[0], tail, finished)
        Thread {
            Self.readLines(from: readDescriptor) { line in
                events(.output(stage: stage, line: line))
                tail.append(line)
            }
            finished.signal()
        }.start()
    }

    /// Closes the write end, waits until every line was read, and returns the last lines.
    func finish() -> [String] {
        close(writeDescriptor)
        finished.wait()
        return tail.lines
    }

    private static func readLines(from descriptor: Int32, _ emit: (String) -> Void) {
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var pending = Data()
        while case let chunk = handle.availableData, !chunk.isEmpty {
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                emit(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { emit(String(decoding: pending, as: UTF8.self)) }
    }
}

/// The last lines of a step's output, shared between the reader thread and the builder.
private final class TailBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    private static let limit = 20

    func append(_ line: String) {
        lock.withLock {
            kept.append(line)
            if kept.count > Self.limit { kept.removeFirst() }
        }
    }

    var lines: [String] { lock.withLock { kept } }
}
