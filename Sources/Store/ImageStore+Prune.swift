import Foundation
import OCI

/// What `prune` removed.
public struct PruneReport: Sendable, Equatable {
    public var blobs = 0
    public var snapshots = 0
    public var cacheRecords = 0
    public var workspaces = 0
    /// Cache mounts (`RUN --mount=type=cache`) removed: only by `buildCache`.
    public var cacheMounts = 0
    public var bytes: Int64 = 0
}

extension ImageStore {
    /// Removes every blob and snapshot that no `index.json` entry needs, except the
    /// snapshots the build cache keeps (unless `buildCache`, which drops the whole cache);
    /// then every cache record whose snapshot is gone, and everything in `tmp/`; with
    /// `buildCache` also every cache mount (`cache-mounts/`). It holds
    /// the content lease exclusively, so it waits for running loads, builds and saves
    /// (whatever is in `tmp/` then belongs to none of them), and the index lock, so no tag
    /// changes meanwhile.
    public func prune(buildCache: Bool = false) throws -> PruneReport {
        try withContentLeaseExclusive { try withIndexLocked { try pruneHoldingLocks(buildCache: buildCache) } }
    }

    private func pruneHoldingLocks(buildCache: Bool) throws -> PruneReport {
        var report = PruneReport()
        let (blobs, imageDiffIDs) = try reachableContent()
        var diffIDs = imageDiffIDs
        if !buildCache {
            diffIDs.formUnion(cacheRecords().compactMap { $0.record?.diffID })
        }
        let blobDirectory = root.appendingPathComponent("blobs/sha256")
        for name in entries(of: blobDirectory) where !blobs.contains(Digest(sha256Hex: name)) {
            report.bytes += remove(blobDirectory.appendingPathComponent(name))
            report.blobs += 1
        }
        for name in entries(of: snapshotsDirectory) where !diffIDs.contains(Digest(sha256Hex: name)) {
            report.bytes += remove(snapshotsDirectory.appendingPathComponent(name))
            report.snapshots += 1
        }
        for (name, record) in cacheRecords() where buildCache || record == nil || record?.diffID.map(hasSnapshot) == false {
            report.bytes += remove(cacheDirectory.appendingPathComponent(name))
            report.cacheRecords += 1
        }
        if buildCache {
            // No build runs while prune holds the content lease, so no cache mount is in use.
            for name in entries(of: cacheMountsDirectory) {
                report.bytes += remove(cacheMountsDirectory.appendingPathComponent(name))
                report.cacheMounts += 1
            }
        }
        for name in entries(of: temporaryDirectory) {
            report.bytes += remove(temporaryDirectory.appendingPathComponent(name))
            report.workspaces += 1
        }
        return report
    }

    private func entries(of directory: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }

    /// The blobs and snapshot diff IDs that the entries of `index.json` reach. A document
    /// that is missing or unreadable ends that path: what it would reach is not kept.
    private func reachableContent() throws -> (Set<Digest>, Set<Digest>) {
        var blobs: Set<Digest> = []
        var diffIDs: Set<Digest> = []
        var pending = try layout.readIndex().manifests
        while let descriptor = pending.popLast() {
            guard blobs.insert(descriptor.digest).inserted else { continue }
            if descriptor.mediaType.isIndex, let index = try? layout.decodeBlob(descriptor, as: ImageIndex.self) {
                pending += index.manifests
            } else if descriptor.mediaType.isManifest, let manifest = try? layout.decodeBlob(descriptor, as: ImageManifest.self) {
                blobs.insert(manifest.config.digest)
                blobs.formUnion(manifest.layers.map(\.digest))
                if let config = try? layout.decodeBlob(manifest.config, as: ImageConfiguration.self) {
                    diffIDs.formUnion(config.rootfs.diffIDs)
                }
            }
        }
        return (blobs, diffIDs)
    }

    /// Removes a file or tree, returning how many bytes it held.
    private func remove(_ url: URL) -> Int64 {
        var bytes: Int64 = 0
        if let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey]) {
            for case let file as URL in walker {
                bytes += Int64((try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
            }
        }
        bytes += Int64((try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
        try? FileManager.default.removeItem(at: url)
        return bytes
    }
}
