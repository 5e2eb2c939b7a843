import Foundation
import Sandbox
import Synchronization
import System

/// Collects a step's output from a pipe: each line goes to the build's events as it
/// arrives, and the last lines are kept for the error message if the step fails.
///
/// Whatever the step prints, reading costs time linear in its size and bounded memory:
/// a line longer than ``OutputLines/lineLimit`` bytes is cut for the display (the rest
/// of it is counted, not kept), and only the last ``TailBuffer/limit`` lines are kept.
///
/// The pipe is read by a thread of its own (a blocking `read` must not hold one of Swift's
/// cooperative threads), and ``finish()`` awaits its end without blocking a thread.
final class StepOutput: Sendable {
    /// The write end to give the step as its stdout and stderr.
    let writeDescriptor: Int32
    private let tail = TailBuffer()
    private let reading = ReaderCompletion()

    init(stage: String, events: @escaping BuildEventHandler) throws(StepOutputError) {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else { throw StepOutputError(cause: .last("pipe")) }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        writeDescriptor = descriptors[1]
        let (readDescriptor, tail, reading) = (descriptors[0], tail, reading)
        Thread {
            Self.readLines(from: readDescriptor) { line in
                events(.output(stage: stage, line: line))
                tail.append(line)
            }
            reading.finish()
        }.start()
    }

    /// Closes the write end, waits until every line was read, and returns the last lines.
    func finish() async -> [String] {
        close(writeDescriptor)
        await reading.wait()
        return tail.lines
    }

    private static func readLines(from descriptor: Int32, _ emit: (String) -> Void) {
        defer { close(descriptor) }
        var lines = OutputLines()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            guard let count = try? readSome(descriptor, into: buffer), count > 0 else { break }
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

/// The pipe for a step's output could not be made (EMFILE or ENFILE when out of descriptors).
struct StepOutputError: Error, CustomStringConvertible {
    /// What `pipe(2)` said.
    var cause: SystemError

    var description: String { "cannot make the pipe for the step's output: \(cause.errnoDescription)" }
}

/// The end of the reader thread, awaited by ``StepOutput/finish()``: a continuation resumed
/// by the thread, or a flag when the thread ends first.
private final class ReaderCompletion: Sendable {
    private enum State {
        case reading
        case awaited(CheckedContinuation<Void, Never>)
        case finished
    }

    private let state = Mutex(State.reading)

    /// Called once by the reader thread when the pipe is drained.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state = .finished }
            if case .awaited(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume()
    }

    /// Returns once ``finish()`` was called (at once if it already was). One waiter only.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state -> Bool in
                if case .finished = state { return true }
                state = .awaited(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }
}

/// The last lines of a step's output, shared between the reader thread and the builder.
private final class TailBuffer: Sendable {
    private struct Ring {
        var kept: [String] = []
        var first = 0
    }

    private let ring = Mutex(Ring())
    /// How many of the last lines a failed step's error shows.
    static let limit = 20

    /// Keeps `line`, forgetting the oldest one when ``limit`` are kept (a ring, so each
    /// line costs the same however many came before).
    func append(_ line: String) {
        ring.withLock { ring in
            if ring.kept.count < Self.limit {
                ring.kept.append(line)
            } else {
                ring.kept[ring.first] = line
                ring.first = (ring.first + 1) % Self.limit
            }
        }
    }

    var lines: [String] { ring.withLock { Array($0.kept[$0.first...] + $0.kept[..<$0.first]) } }
}
