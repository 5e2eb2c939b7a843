import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock on a file (`flock`), shared between processes that use the same store.
struct FileLock {
    let path: String

    /// Runs `body` while holding the lock exclusively; waits for other holders to finish.
    func withExclusiveLock<T>(_ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError.io(path: path, operation: "open lock file", errno: errno) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.io(path: path, operation: "lock", errno: errno) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
