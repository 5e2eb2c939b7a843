import Foundation
import Synchronization
import System

/// A scratch directory under the store's `tmp/` for one operation.
///
/// Everything an operation writes goes here first and is renamed into place only
/// once it is complete; `remove()` cleans up. Operations that make workspaces hold the
/// store's content lease, so `prune` never removes a live one.
///
/// A workspace is locked (`flock` on the directory) for as long as its process holds it:
/// the kernel drops the lock when the process dies, even by SIGKILL, so the next store
/// open can tell a killed operation's directory (lock free) from a live one and reclaim
/// it (``ImageStore/reclaimDebris()``). The directory is made and locked under a name
/// reclaiming ignores, then renamed to `op-...`, so it is never seen unlocked.
struct Workspace {
    let url: URL

    /// The names reclaiming considers: `op-<pid>-<random>`.
    static let prefix = "op-"

    init(storeTemporaryDirectory: URL) throws {
        let name = "\(Self.prefix)\(getpid())-\(UUID().uuidString.prefix(8))"
        url = storeTemporaryDirectory.appendingPathComponent(name)
        let unlocked = storeTemporaryDirectory.appendingPathComponent(".new-\(name)")
        try FileManager.default.createDirectory(at: unlocked, withIntermediateDirectories: true)
        let descriptor = FileDescriptor(adopting: open(unlocked.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        guard descriptor.rawValue >= 0, flock(descriptor.rawValue, LOCK_EX | LOCK_NB) == 0, rename(unlocked.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: unlocked)
            throw StoreError.io(path: url.path, operation: "create and lock the work directory", errno: code)
        }
        WorkspaceLocks.shared.keep(descriptor.release(), for: url.path)
    }

    /// A fresh path inside the workspace.
    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() {
        try? FileManager.default.removeItem(at: url)
        WorkspaceLocks.shared.release(url.path)
    }
}

/// The lock descriptors of this process's live workspaces, by path: a work directory
/// handed out as a URL (``ImageStore/makeWorkDirectory()``) keeps its lock here until
/// ``ImageStore/removeWorkDirectory(_:)``.
final class WorkspaceLocks: Sendable {
    static let shared = WorkspaceLocks()
    private let descriptors = Mutex<[String: Int32]>([:])

    func keep(_ descriptor: Int32, for path: String) {
        descriptors.withLock { $0[path] = descriptor }
    }

    func release(_ path: String) {
        if let descriptor = descriptors.withLock({ $0.removeValue(forKey: path) }) { close(descriptor) }
    }
}
