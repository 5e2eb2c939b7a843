import Foundation
import Glibc
import Testing

@testable import Builder

/// The step's agent socket relays bytes both ways unchanged, more than one read's worth
/// and to several clients at once, passes on a half-close, has the mode and owner asked
/// for, and leaves nothing once stopped.
@Suite("SSH agent forwarder")
struct SSHAgentForwarderTests {
    /// A Unix socket server on `path` (the agent's stand-in) that answers each byte of a
    /// connection with that byte plus one until the client half-closes, then closes.
    final class EchoServer: @unchecked Sendable {
        let listener: Int32
        let done = DispatchSemaphore(value: 0)

        init(path: String) throws {
            listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard Self.address(path, { bind(listener, $0, $1) }) == 0, listen(listener, 8) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            Thread { [self] in
                while true {
                    let client = accept(listener, nil, nil)
                    if client < 0 { break }
                    Thread {
                        var buffer = [UInt8](repeating: 0, count: 4096)
                        while true {
                            let count = read(client, &buffer, buffer.count)
                            if count <= 0 { break }
                            let answer = buffer[0..<count].map { $0 &+ 1 }
                            var written = 0
                            while written < answer.count {
                                let done = answer[written...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                                if done <= 0 { break }
                                written += done
                            }
                        }
                        close(client)
                    }.start()
                }
                done.signal()
            }.start()
        }

        func stop() {
            shutdown(listener, Int32(SHUT_RDWR))
            done.wait()
            close(listener)
        }

        static func address(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
    }

    /// Sends `bytes` through a new connection to `path`, half-closes, and reads to EOF.
    static func roundTrip(_ bytes: [UInt8], through path: String) -> [UInt8]? {
        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        guard EchoServer.address(path, { connect(client, $0, $1) }) == 0 else { return nil }
        let sender = Thread {
            var written = 0
            while written < bytes.count {
                let done = bytes[written...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                if done <= 0 { return }
                written += done
            }
            shutdown(client, Int32(SHUT_WR))
        }
        sender.start()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(client, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }

    @Test func relaysBothWaysAndLeavesNothing() throws {
        let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("forwarder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let server = try EchoServer(path: work.appendingPathComponent("agent").path)
        defer { server.stop() }
        let directory = work.appendingPathComponent("step-socket").path
        let forwarder = try SSHAgentForwarder(
            directory: directory, upstream: work.appendingPathComponent("agent").path, mode: 0o640, uid: 7, gid: 8)
        let socketPath = directory + "/" + forwarder.socketName
        var status = stat()
        #expect(lstat(socketPath, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK && status.st_mode & 0o7777 == 0o640)
        #expect(status.st_uid == 7 && status.st_gid == 8)
        #expect(lstat(directory, &status) == 0 && status.st_mode & 0o7777 == 0o700)

        // Three clients at once, each far more than the relay's 64 KiB buffer.
        let payloads = (0..<3).map { seed in (0..<(1 << 20) + seed).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) } }
        let results = ResultBox(count: payloads.count)
        DispatchQueue.concurrentPerform(iterations: payloads.count) { index in
            results.set(index, Self.roundTrip(payloads[index], through: socketPath))
        }
        for (index, payload) in payloads.enumerated() {
            #expect(results.get(index) == payload.map { $0 &+ 1 }, "client \(index)")
        }
        forwarder.stop()
        forwarder.stop()
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(Self.roundTrip([1], through: socketPath) == nil)
    }

    final class ResultBox: @unchecked Sendable {
        private var values: [[UInt8]?]
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: [UInt8]?) { lock.withLock { values[index] = value } }
        func get(_ index: Int) -> [UInt8]? { lock.withLock { values[index] } }
    }
}
