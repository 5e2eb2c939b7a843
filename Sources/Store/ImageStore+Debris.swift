import Foundation
import OCI
import System

/// What ``ImageStore/reclaimDebris()`` removed.
public struct DebrisReport: Sendable, Equatable {
    /// Work directories of operations that died (`tmp/op-*` whose lock was free).
    public var workspaces = 0
    /// Other leftovers in `tmp/` and snapshot directories without `meta.json`, removed
    /// only while no other process held the store's content lease.
    public var strays = 0
}

extension ImageStore {
    /// Removes what killed operations left behind, without waiting for `prune`:
    ///
    /// - every `tmp/op-*` work directory whose lock no live process holds (a process
    ///   holds its workspaces' locks until it removes them or dies; see ``Workspace``);
    /// - when no other process holds the content lease (no load, build, save, pull or
    ///   push is running), every other entry of `tmp/` (half-written blobs, index
    ///   files, work directories not yet locked) and every `snapshots/<id>` without
    ///   `meta.json` (a snapshot is renamed into place complete with its `meta.json`, so
    ///   one without it is a leftover nobody mounts: builds only use snapshots that have it).
    ///
    /// Called whenever a store is opened. Errors are ignored: debris left now is
    /// reclaimed next time, or by `prune`.
    @discardableResult
    public func reclaimDebris() -> DebrisReport {
        var report = DebrisReport()
        for name in directoryEntries(temporaryDirectory) where name.hasPrefix(Workspace.prefix) {
            let url = temporaryDirectory.appendingPathComponent(name)
            let descriptorFile = FileDescriptor(adopting: open(url.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
            let descriptor = descriptorFile.rawValue
            guard descriptor >= 0 else { continue }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }
            if (try? FileManager.default.removeItem(at: url)) != nil { report.workspaces += 1 }
        }
        _ = try? contentLease.withExclusiveLockIfFree {
            try withIndexLocked {
                for name in directoryEntries(temporaryDirectory) where !name.hasPrefix(Workspace.prefix) {
                    if (try? FileManager.default.removeItem(at: temporaryDirectory.appendingPathComponent(name))) != nil {
                        report.strays += 1
                    }
                }
                for name in directoryEntries(snapshotsDirectory) {
                    let directory = snapshotsDirectory.appendingPathComponent(name)
                    guard !FileManager.default.fileExists(atPath: directory.appendingPathComponent("meta.json").path) else { continue }
                    if (try? FileManager.default.removeItem(at: directory)) != nil { report.strays += 1 }
                }
            }
        }
        return report
    }

    private func directoryEntries(_ directory: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }
}
