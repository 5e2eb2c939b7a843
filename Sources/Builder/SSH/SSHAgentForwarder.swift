import Foundation
import Glibc
import System

/// A step's SSH agent socket: swiftbuild listens on a new Unix socket of its own (with the
/// mount's mode, owner and group, in a new 0700 directory) and relays each connection,
/// byte for byte, to a new connection to the build's agent, as BuildKit does. The step
/// binds this socket alone, so it never learns where the agent lives, and only the
/// build's own socket (never the agent's) is mounted in it.
///
/// One thread relays every connection with `poll`, never blocking on a slow reader: each
/// direction holds at most one read's bytes until the other side takes them. `stop()` ends
/// the thread, closes every connection, and removes the socket and its directory.
final class SSHAgentForwarder: @unchecked Sendable {
    /// The directory holding ``socketName``.
    let directory: String
    let socketName = "agent.sock"
    private let upstream: String
    private let directoryFile: FileDescriptor
    private let listener: Int32
    /// A pipe whose write end `stop()` writes to, to end the relay's `poll`.
    private let wake: (read: Int32, write: Int32)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopped = false

    /// Creates `directory` (which must not exist) and starts listening in it; connections
    /// go to the agent socket `upstream`.
    init(directory: String, upstream: String, mode: UInt32, uid: UInt32, gid: UInt32) throws {
        self.directory = directory
        self.upstream = upstream
        guard mkdir(directory, 0o700) == 0 else { throw SystemError.last("create the ssh socket's directory", path: directory) }
        directoryFile = FileDescriptor(adopting: open(directory, openPathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var ends: [Int32] = [-1, -1]
        let piped = pipe(&ends)
        wake = (ends[0], ends[1])
        do {
            guard directoryFile.rawValue >= 0 else { throw SystemError.last("open", path: directory) }
            guard listener >= 0, piped == 0, Self.setCloseOnExec(wake.read), Self.setCloseOnExec(wake.write) else {
                throw SystemError.last("create the ssh socket", path: directory)
            }
            // Bound through the directory's descriptor: the path stays short whatever the store's.
            let place = "/proc/self/fd/\(directoryFile.rawValue)/\(socketName)"
            guard Self.withAddress(place, { bind(listener, $0, $1) }) == 0 else {
                throw SystemError.last("bind the ssh socket in", path: directory)
            }
            guard fchownat(directoryFile.rawValue, socketName, uid, gid, AT_SYMLINK_NOFOLLOW) == 0,
                fchmodat(directoryFile.rawValue, socketName, mode_t(mode & 0o7777), 0) == 0
            else { throw SystemError.last("set the owner and mode of the ssh socket in", path: directory) }
            guard listen(listener, 64) == 0 else { throw SystemError.last("listen on the ssh socket in", path: directory) }
        } catch {
            closeAndRemove()
            throw error
        }
        let thread = Thread { [self] in
            relay()
            finished.signal()
        }
        thread.name = "swiftbuild-ssh-forwarder"
        thread.start()
    }

    /// Ends the relay thread, closes every connection and removes the socket and its
    /// directory; idempotent.
    func stop() {
        lock.lock()
        let already = stopped
        stopped = true
        lock.unlock()
        guard !already else { return }
        var one: UInt8 = 1
        _ = retryingOnInterrupt { write(wake.write, &one, 1) }
        finished.wait()
        closeAndRemove()
    }

    private func closeAndRemove() {
        if listener >= 0 { close(listener) }
        if wake.read >= 0 { close(wake.read) }
        if wake.write >= 0 { close(wake.write) }
        if directoryFile.rawValue >= 0 { _ = unlinkat(directoryFile.rawValue, socketName, 0) }
        _ = rmdir(directory)
    }

    /// One direction of a connection: bytes read from `from`, waiting to be written to `to`.
    private struct Direction {
        var from: Int32
        var to: Int32
        var pending: [UInt8] = []
        var ended = false
    }

    private func relay() {
        var connections: [(Direction, Direction)] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        defer {
            for (one, _) in connections {
                close(one.from)
                close(one.to)
            }
        }
        while true {
            var polled = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0), pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            for (one, other) in connections {
                for direction in [one, other] {
                    if !direction.pending.isEmpty {
                        polled.append(pollfd(fd: direction.to, events: Int16(POLLOUT), revents: 0))
                    } else if !direction.ended {
                        polled.append(pollfd(fd: direction.from, events: Int16(POLLIN), revents: 0))
                    } else {
                        polled.append(pollfd(fd: -1, events: 0, revents: 0))
                    }
                }
            }
            let ready = poll(&polled, nfds_t(polled.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if polled[0].revents != 0 { return }
            var kept: [(Direction, Direction)] = []
            for (index, connection) in connections.enumerated() {
                var pair = [connection.0, connection.1]
                var broken = false
                for side in 0..<2 where polled[2 + 2 * index + side].revents != 0 {
                    broken = broken || !step(&pair[side], buffer: &buffer)
                }
                if broken || (pair[0].ended && pair[0].pending.isEmpty && pair[1].ended && pair[1].pending.isEmpty) {
                    close(pair[0].from)
                    close(pair[0].to)
                } else {
                    kept.append((pair[0], pair[1]))
                }
            }
            connections = kept
            if polled[1].revents != 0, let accepted = accept() {
                connections.append(
                    (Direction(from: accepted.client, to: accepted.agent), Direction(from: accepted.agent, to: accepted.client)))
            }
        }
    }

    /// Moves bytes one way; false when the connection is broken (then it is closed).
    private func step(_ direction: inout Direction, buffer: inout [UInt8]) -> Bool {
        if !direction.pending.isEmpty {
            let written = direction.pending.withUnsafeBytes { send(direction.to, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 { return errno == EAGAIN || errno == EINTR }
            direction.pending.removeFirst(written)
            if direction.pending.isEmpty, direction.ended { _ = shutdown(direction.to, Int32(SHUT_WR)) }
            return true
        }
        let count = buffer.withUnsafeMutableBytes { read(direction.from, $0.baseAddress, $0.count) }
        if count < 0 { return errno == EAGAIN || errno == EINTR }
        if count == 0 {
            direction.ended = true
            _ = shutdown(direction.to, Int32(SHUT_WR))
            return true
        }
        direction.pending = Array(buffer[0..<count])
        return true
    }

    /// Accepts a step's connection and connects it to the agent; nil (the step's end of
    /// it closed, so the step sees the agent hang up) when the agent cannot be reached.
    private func accept() -> (client: Int32, agent: Int32)? {
        // Glibc's module lacks accept4; a step's init closes every descriptor it inherits
        // anyway, so the moment before close-on-exec is set leaks nothing into a step.
        let client = Glibc.accept(listener, nil, nil)
        guard client >= 0 else { return nil }
        guard Self.setCloseOnExec(client), fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK) == 0 else {
            close(client)
            return nil
        }
        let agent = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard agent >= 0 else {
            close(client)
            return nil
        }
        guard Self.connect(agent, to: upstream), fcntl(agent, F_SETFL, fcntl(agent, F_GETFL) | O_NONBLOCK) == 0 else {
            close(agent)
            close(client)
            return nil
        }
        return (client, agent)
    }

    private static func setCloseOnExec(_ descriptor: Int32) -> Bool {
        fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC) == 0
    }

    /// Connects to the socket at `path`, through its directory's descriptor when the path
    /// is longer than a socket address holds.
    private static func connect(_ socket: Int32, to path: String) -> Bool {
        if path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) {
            return withAddress(path) { Glibc.connect(socket, $0, $1) } == 0
        }
        let parent = FileDescriptor(
            adopting: open((path as NSString).deletingLastPathComponent, openPathOnly | O_DIRECTORY | O_CLOEXEC))
        guard parent.rawValue >= 0 else { return false }
        let short = "/proc/self/fd/\(parent.rawValue)/\((path as NSString).lastPathComponent)"
        return withAddress(short) { Glibc.connect(socket, $0, $1) } == 0
    }

    /// Calls `body` with a `sockaddr_un` for `path` (which must fit in it).
    private static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            errno = ENAMETOOLONG
            return -1
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
