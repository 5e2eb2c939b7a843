import Foundation
import System

#if canImport(Glibc)
    import Glibc
#endif

/// An advisory lock on a file (`flock`), shared between processes that use the same store.
struct FileLock {
    let path: String

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
