import Foundation

/// Collects a step's output from a pipe: each line goes to the build's events as it
/// arrives, and the last lines are kept for the error message if the step fails.
///
/// Whatever the step prints, reading costs time linear in its size and bounded memory:
/// a line longer than ``OutputLines/lineLimit`` bytes is cut for the display (the rest
/// of it is counted, not kept), and only the last ``TailBuffer/limit`` lines are kept.
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
        defer { close(descriptor) }
        var lines = OutputLines()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            lines.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]), emit)
        }
        lines.finish(emit)
    }
}

/// Splits a byte stream into lines in one pass, keeping at most ``lineLimit`` bytes of
/// the line being read: the bytes past the limit are only counted, and the emitted line
/// says how many were cut. Each byte is looked at once, so a step that prints one
/// enormous line without a newline costs no more than one that prints many short ones.
struct OutputLines {
    /// The most bytes of one line that are kept and shown (BuildKit keeps the whole step
    /// log up to a size limit; one line of a terminal needs far less).
    static let lineLimit = 16 * 1024

    private var current: [UInt8] = []
    private var cut = 0
    private var started = false

    init() {
        current.reserveCapacity(Self.lineLimit)
    }

    /// Takes the next bytes of the stream, emitting every line they complete.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (String) -> Void) {
        var start = 0
        while start < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
            if let found = memchr(rest.baseAddress!, 0x0A, rest.count) {
                let length = UnsafeRawPointer(found) - UnsafeRawPointer(rest.baseAddress!)
                keep(UnsafeRawBufferPointer(rebasing: rest[..<length]))
                emitLine(emit)
                start += length + 1
            } else {
                keep(rest)
                start = bytes.count
            }
        }
    }

    /// Ends the stream: a last line without a newline is emitted too.
    mutating func finish(_ emit: (String) -> Void) {
        if started { emitLine(emit) }
    }

    private mutating func keep(_ bytes: UnsafeRawBufferPointer) {
        started = true
        let room = Self.lineLimit - current.count
        current.append(contentsOf: bytes.prefix(room))
        cut += max(0, bytes.count - room)
    }

    private mutating func emitLine(_ emit: (String) -> Void) {
        var line = String(decoding: current, as: UTF8.self)
        if cut > 0 { line += " [\(cut) more bytes of this line not shown]" }
        emit(line)
        current.removeAll(keepingCapacity: true)
        cut = 0
        started = false
    }
}

/// The last lines of a step's output, shared between the reader thread and the builder.
private final class TailBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    private var first = 0
    /// How many of the last lines a failed step's error shows.
    static let limit = 20

    /// Keeps `line`, forgetting the oldest one when ``limit`` are kept (a ring, so each
    /// line costs the same however many came before).
    func append(_ line: String) {
        lock.withLock {
            if kept.count < Self.limit {
                kept.append(line)
            } else {
                kept[first] = line
                first = (first + 1) % Self.limit
            }
        }
    }

    var lines: [String] { lock.withLock { Array(kept[first...] + kept[..<first]) } }
}
