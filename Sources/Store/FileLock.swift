import Foundation
import System

#if canImport(Glibc)
    import Glibc
#endif

/// An advisory lock on a file (`flock`), shared between processes that use the same store.
struct FileLock {
    let path: String
    /// The mode a missing lock file is made with.
    var mode: mode_t = 0o644

    /// Runs `body` while holding the lock exclusively; waits for other holders to finish.
    func withExclusiveLock<T>(_ body: () throws -> T) throws -> T {
        try withLock(LOCK_EX, body)
    }

    /// Runs `body` while holding the lock shared with other shared holders.
    func withSharedLock<T>(_ body: () throws -> T) throws -> T {
        try withLock(LOCK_SH, body)
    }

    /// The async form of ``withSharedLock(_:)``.
    func withSharedLock<T>(_ body: () async throws -> T) async throws -> T {
        let descriptor = try acquire(LOCK_SH)
        defer { flock(descriptor.rawValue, LOCK_UN) }
        return try await body()
    }

    /// Runs `body` holding the lock exclusively if nobody else holds it now; returns nil
    /// without running it otherwise.
    func withExclusiveLockIfFree<T>(_ body: () throws -> T) throws -> T? {
        let descriptorFile = FileDescriptor(adopting: open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else { throw StoreError.io(path: path, operation: "open lock file", errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return nil }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Takes the lock (`LOCK_SH` or `LOCK_EX`) and keeps it until the result is released or
    /// goes away. Waits without blocking a thread: it polls, and cancellation ends the wait.
    /// `waiting` is called once when the lock is held elsewhere and the call is going to
    /// wait; with `giveUp`, it returns nil instead of waiting.
    func hold(_ operation: Int32, giveUp: Bool = false, waiting: () -> Void = {}) async throws -> HeldFileLock? {
        let file = FileDescriptor(adopting: open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode))
        guard file.rawValue >= 0 else { throw StoreError.io(path: path, operation: "open lock file", errno: errno) }
        var announced = false
        while flock(file.rawValue, operation | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else { throw StoreError.io(path: path, operation: "lock", errno: code) }
            if code == EWOULDBLOCK {
                if giveUp { return nil }
                if !announced {
                    announced = true
                    waiting()
                }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return HeldFileLock(file)
    }

    private func withLock<T>(_ operation: Int32, _ body: () throws -> T) throws -> T {
        let descriptor = try acquire(operation)
        defer { flock(descriptor.rawValue, LOCK_UN) }
        return try body()
    }

    /// The lock file, open and locked with `operation`; closing it releases the lock.
    private func acquire(_ operation: Int32) throws -> FileDescriptor {
        let descriptor = FileDescriptor(adopting: open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644))
        guard descriptor.rawValue >= 0 else { throw StoreError.io(path: path, operation: "open lock file", errno: errno) }
        guard retryingOnInterrupt({ flock(descriptor.rawValue, operation) }) == 0 else {
            throw StoreError.io(path: path, operation: "lock", errno: errno)
        }
        return descriptor
    }
}

/// A lock taken by ``FileLock/hold(_:giveUp:waiting:)``: its open lock file. Released by
/// ``release()``, or when it goes away (closing the file drops the `flock`).
final class HeldFileLock: Sendable {
    private let file: FileDescriptor

    init(_ file: consuming FileDescriptor) {
        self.file = file
    }

    /// Drops the lock now.
    func release() {
        flock(file.rawValue, LOCK_UN)
    }
}
