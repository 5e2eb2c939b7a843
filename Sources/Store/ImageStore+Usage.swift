import Foundation
import OCI

/// What `swiftbuild system df` prints: the store's disk space by kind, as `docker system
/// df` and `docker buildx du` lay it out. Every size is allocated space (see
/// ``StoreInventory``); the rows' sizes add up to the whole store directory.
public struct StoreUsage: Sendable, Encodable, Equatable {
    /// One line of the summary table.
    public struct Row: Sendable, Encodable, Equatable {
        /// `Images`, `Build Cache`, `Cache Mounts` or `Unused`.
        public var type: String
        public var total: Int
        public var active: Int
        public var size: Int64
        /// What `prune --keep-storage 0` would free of this kind.
        public var reclaimable: Int64
    }

    /// One image (one image ID) of `-v`.
    public struct Image: Sendable, Encodable, Equatable {
        /// Its names; empty for an unnamed (`<none>`) image.
        public var names: [String]
        public var id: Digest
        /// Its blobs and the snapshots of its layers.
        public var size: Int64
        /// The part of `size` another image also needs.
        public var sharedSize: Int64
        public var uniqueSize: Int64
    }

    /// One build cache entry of `-v`: a cache record or a cache mount.
    public struct CacheEntry: Sendable, Encodable, Equatable {
        /// The record's key or the cache mount's name (hex).
        public var id: String
        /// `regular` (a step's record) or `exec.cachemount`, BuildKit's names.
        public var type: String
        /// The record and its snapshot, or the cache mount's directory.
        public var size: Int64
        public var created: String?
        public var lastUsed: Date
        /// A step of a running build holds it (cache mounts).
        public var inUse: Bool
        /// Its snapshot is also an image's layer or another record's.
        public var shared: Bool
    }

    /// Images, Build Cache, Cache Mounts, Unused.
    public var rows: [Row]
    /// The store's size: the sum of the rows' sizes.
    public var size: Int64
    public var images: [Image]
    public var buildCache: [CacheEntry]
}

extension ImageStore {
    /// The store's disk usage. Reads without locks (see ``inventory()``).
    public func usage() throws -> StoreUsage {
        StoreUsage(try inventory())
    }
}

extension StoreUsage {
    init(_ inventory: StoreInventory) {
        let tagged = inventory.entries.filter(\.isTagged)
        let taggedBlobs = Set(tagged.flatMap(\.blobs))
        let taggedDiffIDs = Set(tagged.flatMap(\.diffIDs))
        let imageBlobs = Set(inventory.entries.flatMap(\.blobs)).filter { inventory.blobSizes[$0] != nil }
        let imageDiffIDs = Set(inventory.entries.flatMap(\.diffIDs)).filter { inventory.snapshotSizes[$0] != nil }
        let imageIDs = Set(inventory.entries.map(\.descriptor.digest))
        let images = Row(
            type: "Images", total: imageIDs.count, active: Set(tagged.map(\.descriptor.digest)).count,
            size: inventory.size(blobs: imageBlobs, diffIDs: imageDiffIDs) + inventory.layoutOverhead,
            reclaimable: inventory.size(blobs: imageBlobs.subtracting(taggedBlobs), diffIDs: imageDiffIDs.subtracting(taggedDiffIDs)))

        let recordDiffIDs = Set(inventory.records.compactMap(\.snapshot)).filter { inventory.snapshotSizes[$0] != nil }
        let cacheOnlyDiffIDs = recordDiffIDs.subtracting(imageDiffIDs)
        let recordBytes = inventory.records.map(\.size).reduce(0, +) + inventory.size(blobs: [], diffIDs: cacheOnlyDiffIDs)
        let buildCache = Row(
            type: "Build Cache", total: inventory.records.count,
            active: inventory.records.filter { $0.snapshot.map(imageDiffIDs.contains) == true }.count,
            size: recordBytes + inventory.cacheOverhead, reclaimable: recordBytes)

        let cacheMounts = Row(
            type: "Cache Mounts", total: inventory.cacheMounts.count, active: inventory.cacheMounts.filter(\.held).count,
            size: inventory.cacheMounts.map(\.size).reduce(0, +) + inventory.cacheMountsOverhead,
            reclaimable: inventory.cacheMounts.filter { !$0.held }.map(\.size).reduce(0, +))

        let unusedBlobs = Set(inventory.blobSizes.keys).subtracting(imageBlobs)
        let unusedDiffIDs = Set(inventory.snapshotSizes.keys).subtracting(imageDiffIDs).subtracting(recordDiffIDs)
        let unusedBytes = inventory.size(blobs: unusedBlobs, diffIDs: unusedDiffIDs) + inventory.temporary.map(\.size).reduce(0, +)
        let unused = Row(
            type: "Unused", total: unusedBlobs.count + unusedDiffIDs.count + inventory.temporary.count, active: 0,
            size: unusedBytes + inventory.temporaryOverhead, reclaimable: unusedBytes)

        rows = [images, buildCache, cacheMounts, unused]
        size = rows.map(\.size).reduce(0, +)
        self.images = Self.images(inventory)
        self.buildCache = Self.cacheEntries(inventory, imageDiffIDs: imageDiffIDs)
    }

    /// Each image ID with its size, and how much of it another image also needs.
    private static func images(_ inventory: StoreInventory) -> [Image] {
        let byID = Dictionary(grouping: inventory.entries, by: \.descriptor.digest)
        let content = byID.mapValues { entries in
            (Set(entries.flatMap(\.blobs)), Set(entries.flatMap(\.diffIDs)))
        }
        return byID.map { id, entries -> Image in
            let (blobs, diffIDs) = content[id]!
            let others = content.filter { $0.key != id }.values
            let otherBlobs = Set(others.flatMap(\.0))
            let otherDiffIDs = Set(others.flatMap(\.1))
            let size = inventory.size(blobs: blobs, diffIDs: diffIDs)
            let shared = inventory.size(blobs: blobs.intersection(otherBlobs), diffIDs: diffIDs.intersection(otherDiffIDs))
            return Image(
                names: entries.compactMap(\.descriptor.referenceName).sorted(), id: id, size: size,
                sharedSize: shared, uniqueSize: size - shared)
        }.sorted { ($0.names.first ?? "~", $0.id.description) < ($1.names.first ?? "~", $1.id.description) }
    }

    private static func cacheEntries(_ inventory: StoreInventory, imageDiffIDs: Set<Digest>) -> [CacheEntry] {
        var users: [Digest: Int] = [:]
        for record in inventory.records { if let diffID = record.snapshot { users[diffID, default: 0] += 1 } }
        let records = inventory.records.map { record in
            CacheEntry(
                id: String(record.name.dropLast(".json".count)), type: "regular",
                size: record.size + (record.snapshot.flatMap { inventory.snapshotSizes[$0] } ?? 0), created: record.created,
                lastUsed: record.lastUsed, inUse: false,
                shared: record.snapshot.map { imageDiffIDs.contains($0) || users[$0, default: 0] > 1 } ?? false)
        }
        let mounts = inventory.cacheMounts.map { mount in
            CacheEntry(
                id: mount.name, type: "exec.cachemount", size: mount.size, created: nil, lastUsed: mount.lastUsed,
                inUse: mount.held, shared: false)
        }
        return (records + mounts).sorted { ($0.lastUsed, $0.id) > ($1.lastUsed, $1.id) }
    }
}
