import Foundation
import Glibc
import OCI

/// How a build holds a cache mount (`RUN --mount=type=cache,sharing=...`).
public enum CacheMountAccess: Sendable {
    /// `shared`: any number of steps at once.
    case shared
    /// `locked`: one step at a time; others wait.
    case exclusive
    /// `private`: the cache when nobody else uses it, else none (the caller then gives
    /// the step a fresh directory of its own).
    case exclusiveIfFree
}

/// A cache mount held by a step: its directory and the `flock` on its lock file, released
/// by ``release()``.
public final class CacheMountLease: Sendable {
    /// The directory the step mounts.
    public let directory: URL
    private let descriptor: Int32

    fileprivate init(directory: URL, descriptor: Int32) {
        self.directory = directory
        self.descriptor = descriptor
    }

    /// Drops the lock.
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

extension ImageStore {
    /// Where cache mounts live: `cache-mounts/<sha256 hex of the id>/{fs,lock}`. Never in
    /// a layer; kept across builds and `--no-cache`; removed by `prune --build-cache`.
    var cacheMountsDirectory: URL { root.appendingPathComponent("cache-mounts") }

    /// The cache mount `id`, held as `access` says, created (owned by `uid`:`gid`, with
    /// `mode`) when it does not exist. Nil for `exclusiveIfFree` when another step holds
    /// it. Waits for a lock without blocking a thread (it polls), so a waiting step never
    /// starves the step that holds the lock; cancellation ends the wait.
    public func cacheMount(id: String, access: CacheMountAccess, mode: UInt32, uid: UInt32, gid: UInt32) async throws
        -> CacheMountLease?
    {
        let entry = cacheMountsDirectory.appendingPathComponent(Digest.sha256(Array(id.utf8)).hex)
        for directory in [cacheMountsDirectory, entry] where mkdir(directory.path, 0o700) != 0 && errno != EEXIST {
            throw StoreError.io(path: directory.path, operation: "create the cache mount directory", errno: errno)
        }
        let lockPath = entry.appendingPathComponent("lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.io(path: lockPath, operation: "open lock file", errno: errno) }
        let operation = access == .shared ? LOCK_SH : LOCK_EX
        while flock(descriptor, operation | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(descriptor)
                throw StoreError.io(path: lockPath, operation: "lock", errno: code)
            }
            if access == .exclusiveIfFree, code == EWOULDBLOCK {
                close(descriptor)
                return nil
            }
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                close(descriptor)
                throw error
            }
        }
        let directory = entry.appendingPathComponent("fs")
        do {
            try makeCacheDirectory(directory, mode: mode, uid: uid, gid: gid)
        } catch {
            close(descriptor)
            throw error
        }
        return CacheMountLease(directory: directory, descriptor: descriptor)
    }

    /// Creates `directory` with its owner and mode unless it exists: staged under a new
    /// name, then renamed, so a half-made one is never used.
    public func makeCacheDirectory(_ directory: URL, mode: UInt32, uid: UInt32, gid: UInt32) throws {
        var status = stat()
        if lstat(directory.path, &status) == 0 { return }
        let staged = directory.deletingLastPathComponent().appendingPathComponent("fs.new-\(UUID().uuidString)")
        guard mkdir(staged.path, 0o700) == 0 else {
            throw StoreError.io(path: staged.path, operation: "create the cache mount directory", errno: errno)
        }
        guard chown(staged.path, uid, gid) == 0, chmod(staged.path, mode_t(mode & 0o7777)) == 0 else {
            let code = errno
            rmdir(staged.path)
            throw StoreError.io(path: staged.path, operation: "set the owner and mode of the cache mount", errno: code)
        }
        guard rename(staged.path, directory.path) == 0 else {
            let code = errno
            rmdir(staged.path)
            throw StoreError.io(path: directory.path, operation: "create the cache mount directory", errno: code)
        }
    }
}
