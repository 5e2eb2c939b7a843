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
    private let lock: HeldFileLock

    fileprivate init(directory: URL, lock: HeldFileLock) {
        self.directory = directory
        self.lock = lock
    }

    /// Drops the lock.
    public func release() {
        lock.release()
    }
}

extension ImageStore {
    /// Where cache mounts live: `cache-mounts/<sha256 hex of the identity>/{fs,lock}`.
    /// Never in a layer; kept across builds and `--no-cache`; removed by
    /// `prune --build-cache`.
    var cacheMountsDirectory: URL { root.appendingPathComponent("cache-mounts") }

    /// The cache mount `identity` (its id, or the id with what else tells one cache of
    /// that id from another: see `RunMountStep.CacheMount.identity(seed:)`), held as
    /// `access` says. A missing one is made by `create`, which fills a new, empty
    /// directory (owner, mode, a seed's files) that is then renamed into place, so a
    /// half-made cache is never used, and only one process makes it (under the entry's
    /// `create.lock`). Nil for `exclusiveIfFree` when another step holds it.
    ///
    /// Waits for a lock without blocking a thread (it polls), so a waiting step never
    /// starves the step that holds the lock; cancellation ends the wait. `waiting` is
    /// called once when the lock is held elsewhere and the call is going to wait.
    public func cacheMount(
        identity: String, access: CacheMountAccess, waiting: () -> Void = {}, create: (URL) throws -> Void
    ) async throws -> CacheMountLease? {
        let entry = cacheMountsDirectory.appendingPathComponent(Digest.sha256(Array(identity.utf8)).hex)
        for directory in [cacheMountsDirectory, entry] where mkdir(directory.path, 0o700) != 0 && errno != EEXIST {
            throw StoreError.io(path: directory.path, operation: "create the cache mount directory", errno: errno)
        }
        let lockFile = FileLock(path: entry.appendingPathComponent("lock").path, mode: 0o600)
        guard
            let held = try await lockFile.hold(
                access == .shared ? LOCK_SH : LOCK_EX, giveUp: access == .exclusiveIfFree, waiting: waiting)
        else { return nil }
        do {
            let directory = entry.appendingPathComponent("fs")
            if !exists(directory) {
                // Steps holding the cache shared may all find it missing: one makes it.
                let creation = try await FileLock(path: entry.appendingPathComponent("create.lock").path, mode: 0o600).hold(LOCK_EX)
                defer { creation?.release() }
                if !exists(directory) {
                    // Only a holder of create.lock makes fs/, so an fs.new-* here is what a
                    // killed maker left.
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: entry.path)) ?? []
                    where name.hasPrefix("fs.new-") {
                        try? FileManager.default.removeItem(at: entry.appendingPathComponent(name))
                    }
                    try makeCacheDirectory(directory, create: create)
                }
            }
            // The lock file's modification time is the cache's last use (see noteCacheRecordUsed).
            utimensat(AT_FDCWD, entry.appendingPathComponent("lock").path, nil, 0)
            return CacheMountLease(directory: directory, lock: held)
        } catch {
            held.release()
            throw error
        }
    }

    /// Makes `directory` unless it exists: a new, empty directory next to it (mode 0700,
    /// root's) is filled by `create`, then renamed into place, so a half-made one is never
    /// used. A failed `create` leaves nothing behind.
    public func makeCacheDirectory(_ directory: URL, create: (URL) throws -> Void) throws {
        if exists(directory) { return }
        let staged = directory.deletingLastPathComponent().appendingPathComponent("fs.new-\(UUID().uuidString)")
        guard mkdir(staged.path, 0o700) == 0 else {
            throw StoreError.io(path: staged.path, operation: "create the cache mount directory", errno: errno)
        }
        do {
            try create(staged)
            guard rename(staged.path, directory.path) == 0 else {
                throw StoreError.io(path: directory.path, operation: "create the cache mount directory", errno: errno)
            }
        } catch {
            try? FileManager.default.removeItem(at: staged)
            throw error
        }
    }

    /// A `create` for ``cacheMount(identity:access:waiting:create:)``: an empty cache
    /// directory with `mode` (permission bits, setuid/setgid/sticky), owned by
    /// `uid`:`gid`.
    public static func emptyCacheDirectory(mode: UInt32, uid: UInt32, gid: UInt32) -> (URL) throws -> Void {
        { directory in
            guard chown(directory.path, uid, gid) == 0, chmod(directory.path, mode_t(mode & 0o7777)) == 0 else {
                throw StoreError.io(path: directory.path, operation: "set the owner and mode of the cache mount", errno: errno)
            }
        }
    }

    private func exists(_ directory: URL) -> Bool {
        var status = stat()
        return lstat(directory.path, &status) == 0
    }
}
