import Foundation
import Glibc
import OCI

/// Which part of the build cache a budgeted prune may remove, as BuildKit's GC policy and
/// `docker buildx prune --keep-storage SIZE --filter until=DURATION` choose it.
public struct BuildCacheBudget: Sendable, Equatable {
    /// Stop once the store takes at most this many bytes (nil: no size limit).
    public var keepStorage: Int64?
    /// Only entries last used before this time (nil: any).
    public var usedBefore: Date?

    public init(keepStorage: Int64? = nil, usedBefore: Date? = nil) {
        self.keepStorage = keepStorage
        self.usedBefore = usedBefore
    }
}

/// What a budgeted prune did: the unconditional part (``PruneReport``), then the build
/// cache entries removed least recently used first.
public struct BudgetPruneReport: Sendable, Equatable {
    /// Unreferenced content and abandoned work directories, removed first.
    public var prune = PruneReport()
    public var cacheRecords = 0
    public var cacheMounts = 0
    /// Unnamed (`<none>`) images removed (never a named one).
    public var untaggedImages = 0
    /// Snapshots and blobs that only the removed entries needed.
    public var snapshots = 0
    public var blobs = 0
    /// Cache mounts a running step held: left alone.
    public var heldCacheMounts = 0
    /// Bytes the least-recently-used part freed.
    public var bytes: Int64 = 0
    /// The store's size before anything was removed, and after.
    public var sizeBefore: Int64 = 0
    public var sizeAfter: Int64 = 0
}

/// The outcome of ``ImageStore/collectGarbage(keepStorage:)``.
public enum GarbageCollection: Sendable, Equatable {
    /// The store was within the budget: nothing removed.
    case withinBudget(size: Int64)
    /// Another process (a build, load, save or prune) uses the store: nothing removed.
    case busy
    case collected(BudgetPruneReport)
}

extension ImageStore {
    /// `prune --keep-storage` / `--filter until=`: first what `prune` removes anyway, then
    /// build cache entries (cache records, cache mounts, unnamed images), least recently
    /// used first, each with the snapshots and blobs only it kept, while the store is over
    /// `budget.keepStorage` and only among those used before `budget.usedBefore`. A named
    /// image and everything it needs are never removed, nor a cache mount a step holds.
    /// Waits for running builds, loads and saves, as `prune` does.
    public func prune(budget: BuildCacheBudget) throws -> BudgetPruneReport {
        try withContentLeaseExclusive { try withIndexLocked { try pruneHoldingLocks(budget: budget) } }
    }

    /// The automatic garbage collection after a build: when the store is over
    /// `keepStorage`, ``prune(budget:)`` down to it. Never waits: when another process uses
    /// the store it returns `.busy` (the next build that finds the store idle collects).
    /// The store is measured first without a lock, so a store within its budget never
    /// keeps a starting build waiting for the walk.
    public func collectGarbage(keepStorage: Int64) throws -> GarbageCollection {
        let measured = try inventory().total
        guard measured > keepStorage else { return .withinBudget(size: measured) }
        let outcome = try contentLease.withExclusiveLockIfFree {
            try withIndexLocked { () throws -> GarbageCollection in
                .collected(try pruneHoldingLocks(budget: BuildCacheBudget(keepStorage: keepStorage)))
            }
        }
        return outcome ?? .busy
    }

    private func pruneHoldingLocks(budget: BuildCacheBudget) throws -> BudgetPruneReport {
        var report = BudgetPruneReport()
        report.prune = try pruneHoldingLocks(buildCache: false)
        let inventory = try inventory()
        var size = inventory.total
        report.sizeBefore = size + report.prune.bytes

        // Who still needs each blob and snapshot: index entries, and cache records.
        var blobUsers: [Digest: Int] = [:]
        var snapshotUsers: [Digest: Int] = [:]
        for entry in inventory.entries {
            for blob in entry.blobs { blobUsers[blob, default: 0] += 1 }
            for diffID in entry.diffIDs { snapshotUsers[diffID, default: 0] += 1 }
        }
        for record in inventory.records { if let diffID = record.snapshot { snapshotUsers[diffID, default: 0] += 1 } }

        var seen = Set<FileKey>()
        func release(snapshot diffID: Digest) {
            snapshotUsers[diffID, default: 1] -= 1
            guard snapshotUsers[diffID] == 0, let bytes = inventory.snapshotSizes[diffID] else { return }
            _ = remove(snapshotDirectory(for: diffID), seen: &seen)
            size -= bytes
            report.bytes += bytes
            report.snapshots += 1
        }

        for candidate in candidates(inventory, usedBefore: budget.usedBefore) {
            if let keepStorage = budget.keepStorage, size <= keepStorage { break }
            switch candidate.kind {
            case .record(let record):
                _ = remove(cacheDirectory.appendingPathComponent(record.name), seen: &seen)
                size -= record.size
                report.bytes += record.size
                report.cacheRecords += 1
                if let diffID = record.snapshot { release(snapshot: diffID) }
            case .cacheMount(let mount):
                // No build runs under the exclusive lease, so no step holds it; the lock is
                // taken anyway (without waiting), and a cache mount held is left alone.
                // create.lock is only ever taken by a holder of this lock.
                let entry = cacheMountsDirectory.appendingPathComponent(mount.name)
                let removed = try FileLock(path: entry.appendingPathComponent("lock").path, mode: 0o600).withExclusiveLockIfFree {
                    _ = remove(entry, seen: &seen)
                }
                guard removed != nil else {
                    report.heldCacheMounts += 1
                    continue
                }
                size -= mount.size
                report.bytes += mount.size
                report.cacheMounts += 1
            case .untaggedImage(let entry):
                var index = try layout.readIndex()
                guard let position = index.manifests.firstIndex(of: entry.descriptor) else { continue }
                index.manifests.remove(at: position)
                try layout.writeIndex(index)
                report.untaggedImages += 1
                for blob in entry.blobs {
                    blobUsers[blob, default: 1] -= 1
                    guard blobUsers[blob] == 0, let bytes = inventory.blobSizes[blob] else { continue }
                    _ = remove(root.appendingPathComponent("blobs/sha256/\(blob.hex)"), seen: &seen)
                    size -= bytes
                    report.bytes += bytes
                    report.blobs += 1
                }
                for diffID in entry.diffIDs { release(snapshot: diffID) }
            }
        }
        report.sizeAfter = size
        return report
    }

    /// A build cache entry a budgeted prune may remove.
    private struct Candidate {
        enum Kind {
            case record(StoreInventory.Record)
            case cacheMount(StoreInventory.CacheMount)
            case untaggedImage(StoreInventory.Entry)
        }
        var kind: Kind
        var lastUsed: Date
        var name: String
    }

    /// The removable entries, least recently used first (ties in name order, so the order
    /// is the same every time). An unnamed image was last used when its manifest was
    /// written; a cache mount held by a step now is listed, and skipped when it is reached.
    private func candidates(_ inventory: StoreInventory, usedBefore: Date?) -> [Candidate] {
        var candidates = inventory.records.map { Candidate(kind: .record($0), lastUsed: $0.lastUsed, name: $0.name) }
        candidates += inventory.cacheMounts.map { Candidate(kind: .cacheMount($0), lastUsed: $0.lastUsed, name: $0.name) }
        let named = Set(inventory.entries.filter(\.isTagged).map(\.descriptor.digest))
        for entry in inventory.entries where !entry.isTagged && !named.contains(entry.descriptor.digest) {
            let manifest = "blobs/sha256/\(entry.descriptor.digest.hex)"
            candidates.append(
                Candidate(
                    kind: .untaggedImage(entry), lastUsed: Self.modificationTime(root.appendingPathComponent(manifest).path),
                    name: entry.descriptor.digest.hex))
        }
        if let usedBefore { candidates.removeAll { $0.lastUsed >= usedBefore } }
        return candidates.sorted { ($0.lastUsed, $0.name) < ($1.lastUsed, $1.name) }
    }
}
