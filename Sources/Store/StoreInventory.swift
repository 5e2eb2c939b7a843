import Foundation
import Glibc
import OCI

/// The store's content as units of disk space, each measured once: the figures of
/// `system df` and the candidates of a budgeted prune.
///
/// Sizes are allocated space (`st_blocks` × 512, a file with several links counted once),
/// as `du` and `prune` count them: what the file system loses to the store, holes of
/// sparse files excluded. The units partition the store directory, so the sum of every
/// unit is what `du -s -B1 <store>` says.
struct StoreInventory {
    /// An `index.json` entry and the content it reaches.
    struct Entry {
        var descriptor: Descriptor
        var blobs: Set<Digest>
        var diffIDs: Set<Digest>
        var isTagged: Bool { descriptor.referenceName != nil }
    }

    /// A cache record (`cache/<key hex>.json`).
    struct Record {
        var name: String
        /// The name of the snapshot the record's step made (its diff ID, or a random name
        /// for a layer committed unhashed); nil when the step changed no file.
        var snapshot: Digest?
        var created: String?
        /// The record file's modification time: when it was written or last hit.
        var lastUsed: Date
        var size: Int64
    }

    /// A cache mount (`cache-mounts/<sha256>/`).
    struct CacheMount {
        var name: String
        var size: Int64
        /// Its lock file's modification time: when a step last took it.
        var lastUsed: Date
        /// Whether a step holds it now (its lock cannot be taken).
        var held: Bool
    }

    var entries: [Entry] = []
    var blobSizes: [Digest: Int64] = [:]
    var snapshotSizes: [Digest: Int64] = [:]
    var records: [Record] = []
    var cacheMounts: [CacheMount] = []
    /// The store directory, its files (`index.json`, `oci-layout`, the locks), `blobs/`,
    /// `blobs/sha256/`, `snapshots/` and anything unknown at the top.
    var layoutOverhead: Int64 = 0
    /// `cache/` itself, the context digest memo and whatever else in it is not a record.
    var cacheOverhead: Int64 = 0
    /// `cache-mounts/` itself.
    var cacheMountsOverhead: Int64 = 0
    /// `tmp/` itself.
    var temporaryOverhead: Int64 = 0
    /// `tmp/`'s entries (work directories) and their sizes.
    var temporary: [(name: String, size: Int64)] = []

    /// Every unit's size: the store's size.
    var total: Int64 {
        blobSizes.values.reduce(0, +) + snapshotSizes.values.reduce(0, +) + records.map(\.size).reduce(0, +)
            + cacheMounts.map(\.size).reduce(0, +) + temporary.map(\.size).reduce(0, +) + layoutOverhead + cacheOverhead
            + cacheMountsOverhead + temporaryOverhead
    }

    /// The allocated size of `blobs` and the snapshots of `diffIDs` that are on disk.
    func size(blobs: Set<Digest>, diffIDs: Set<Digest>) -> Int64 {
        blobs.map { blobSizes[$0] ?? 0 }.reduce(0, +) + diffIDs.map { snapshotSizes[$0] ?? 0 }.reduce(0, +)
    }
}

extension ImageStore {
    /// Reads and measures everything in the store. Takes no lock: a figure can be off by
    /// what a concurrent build or prune changes meanwhile, as `docker system df`'s can.
    func inventory() throws -> StoreInventory {
        var inventory = StoreInventory()
        var seen = Set<FileKey>()
        let known: Set<String> = ["blobs", "snapshots", "cache", "cache-mounts", "tmp"]
        inventory.layoutOverhead += Self.diskUsage(ofEntryOnly: root.path, seen: &seen)
        let blobsDirectory = root.appendingPathComponent("blobs")
        let blobDirectory = blobsDirectory.appendingPathComponent("sha256")
        inventory.layoutOverhead += Self.diskUsage(ofEntryOnly: blobsDirectory.path, seen: &seen)
        inventory.layoutOverhead += Self.diskUsage(ofEntryOnly: blobDirectory.path, seen: &seen)
        inventory.layoutOverhead += Self.diskUsage(ofEntryOnly: snapshotsDirectory.path, seen: &seen)
        for name in entries(of: blobsDirectory) where name != "sha256" {
            inventory.layoutOverhead += Self.diskUsage(blobsDirectory.appendingPathComponent(name).path, seen: &seen)
        }
        for name in entries(of: root) where !known.contains(name) {
            inventory.layoutOverhead += Self.diskUsage(root.appendingPathComponent(name).path, seen: &seen)
        }
        for name in entries(of: blobDirectory) {
            inventory.blobSizes[Digest(sha256Hex: name)] = Self.diskUsage(blobDirectory.appendingPathComponent(name).path, seen: &seen)
        }
        for name in entries(of: snapshotsDirectory) {
            inventory.snapshotSizes[Digest(sha256Hex: name)] = Self.diskUsage(
                snapshotsDirectory.appendingPathComponent(name).path, seen: &seen)
        }
        inventory.cacheOverhead += Self.diskUsage(ofEntryOnly: cacheDirectory.path, seen: &seen)
        let records = Dictionary(uniqueKeysWithValues: cacheRecords().map { ($0.name, $0.record) })
        for name in entries(of: cacheDirectory) {
            let path = cacheDirectory.appendingPathComponent(name).path
            guard let record = records[name] else {
                inventory.cacheOverhead += Self.diskUsage(path, seen: &seen)
                continue
            }
            inventory.records.append(
                StoreInventory.Record(
                    name: name, snapshot: record?.snapshot, created: record?.created, lastUsed: Self.modificationTime(path),
                    size: Self.diskUsage(path, seen: &seen)))
        }
        inventory.cacheMountsOverhead += Self.diskUsage(ofEntryOnly: cacheMountsDirectory.path, seen: &seen)
        for name in entries(of: cacheMountsDirectory) {
            let entry = cacheMountsDirectory.appendingPathComponent(name)
            let lock = entry.appendingPathComponent("lock").path
            inventory.cacheMounts.append(
                StoreInventory.CacheMount(
                    name: name, size: Self.diskUsage(entry.path, seen: &seen),
                    lastUsed: Self.modificationTime(Self.exists(lock) ? lock : entry.path), held: Self.isLockHeld(lock)))
        }
        inventory.temporaryOverhead += Self.diskUsage(ofEntryOnly: temporaryDirectory.path, seen: &seen)
        for name in entries(of: temporaryDirectory) {
            inventory.temporary.append((name, Self.diskUsage(temporaryDirectory.appendingPathComponent(name).path, seen: &seen)))
        }
        let manifests = try layout.readIndex().manifests
        for descriptor in manifests where !Self.isReferrer(descriptor) {
            let (blobs, diffIDs) = reachableContent(from: [descriptor])
            inventory.entries.append(StoreInventory.Entry(descriptor: descriptor, blobs: blobs, diffIDs: diffIDs))
        }
        // A referrer (an SBOM) is part of the images it refers to, as prune keeps it: its
        // blobs count with its subject's entries; one whose subject is gone stands alone
        // (unnamed, so removable).
        for descriptor in manifests where Self.isReferrer(descriptor) {
            let (blobs, diffIDs) = reachableContent(from: [descriptor])
            let subject = descriptor.annotations?[Self.subjectAnnotation].flatMap { try? Digest(parsing: $0) }
            let owners = inventory.entries.indices.filter { inventory.entries[$0].blobs.contains { $0 == subject } }
            guard !owners.isEmpty else {
                inventory.entries.append(StoreInventory.Entry(descriptor: descriptor, blobs: blobs, diffIDs: diffIDs))
                continue
            }
            for owner in owners {
                inventory.entries[owner].blobs.formUnion(blobs)
                inventory.entries[owner].diffIDs.formUnion(diffIDs)
            }
        }
        inventory.records.sort { $0.name < $1.name }
        inventory.cacheMounts.sort { $0.name < $1.name }
        return inventory
    }

    /// The space of a file or directory's own inode, not of what a directory holds.
    static func diskUsage(ofEntryOnly path: String, seen: inout Set<FileKey>) -> Int64 {
        var status = stat()
        guard lstat(path, &status) == 0 else { return 0 }
        let key = FileKey(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        guard seen.insert(key).inserted else { return 0 }
        return Int64(status.st_blocks) * 512
    }

    static func modificationTime(_ path: String) -> Date {
        var status = stat()
        guard lstat(path, &status) == 0 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Whether another open file description holds an `flock` on `path` (a missing file is
    /// not held). Takes the lock exclusively without waiting and drops it at once.
    static func isLockHeld(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(descriptor, LOCK_UN)
        return false
    }
}
