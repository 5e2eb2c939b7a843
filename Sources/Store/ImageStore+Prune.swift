import Foundation
import Glibc
import OCI
import System

/// What `prune` removed, and the space each kind freed (allocated blocks, a file with
/// several links counted once).
public struct PruneReport: Sendable, Equatable {
    public var blobs = 0
    public var snapshots = 0
    public var cacheRecords = 0
    public var workspaces = 0
    /// Cache mounts (`RUN --mount=type=cache`) removed: only by `buildCache`.
    public var cacheMounts = 0
    /// All the bytes freed: the sum of the kinds below.
    public var bytes: Int64 = 0
    /// Blobs no tag needs and snapshots neither a tag nor the build cache needs.
    public var unreferencedBytes: Int64 = 0
    /// Cache records, and (with `buildCache`) the snapshots only they kept.
    public var buildCacheBytes: Int64 = 0
    /// Cache mounts (with `buildCache`).
    public var cacheMountBytes: Int64 = 0
    /// Work directories left in `tmp/`.
    public var workspaceBytes: Int64 = 0
    /// Without `buildCache`: what it would also free, which this prune kept: the build
    /// cache (its records and the snapshots only they keep) and the cache mounts.
    public var keptCacheRecords = 0
    public var keptBuildCacheBytes: Int64 = 0
    public var keptCacheMounts = 0
    public var keptCacheMountBytes: Int64 = 0
}

extension ImageStore {
    /// Removes every blob and snapshot that no `index.json` entry needs, except the
    /// snapshots the build cache keeps (unless `buildCache`, which drops the whole cache);
    /// then every cache record whose snapshot is gone, and everything in `tmp/`; with
    /// `buildCache` also every cache mount (`cache-mounts/`). The report says what each
    /// kind freed and, without `buildCache`, what `buildCache` would also free. It holds
    /// the content lease exclusively, so it waits for running loads, builds and saves
    /// (whatever is in `tmp/` then belongs to none of them), and the index lock, so no tag
    /// changes meanwhile.
    public func prune(buildCache: Bool = false) throws -> PruneReport {
        try withContentLeaseExclusive { try withIndexLocked { try pruneHoldingLocks(buildCache: buildCache) } }
    }

    func pruneHoldingLocks(buildCache: Bool) throws -> PruneReport {
        var report = PruneReport()
        var seen = Set<FileKey>()
        let (blobs, imageDiffIDs) = try reachableContentDroppingOrphanReferrers()
        let records = cacheRecords()
        let recordDiffIDs = Set(records.compactMap { $0.record?.snapshot })
        let keptDiffIDs = buildCache ? imageDiffIDs : imageDiffIDs.union(recordDiffIDs)
        let blobDirectory = root.appendingPathComponent("blobs/sha256")
        for name in entries(of: blobDirectory) where !blobs.contains(Digest(sha256Hex: name)) {
            report.unreferencedBytes += remove(blobDirectory.appendingPathComponent(name), seen: &seen)
            report.blobs += 1
        }
        for name in entries(of: snapshotsDirectory) {
            let diffID = Digest(sha256Hex: name)
            if keptDiffIDs.contains(diffID) {
                if !imageDiffIDs.contains(diffID) {
                    report.keptBuildCacheBytes += Self.diskUsage(snapshotsDirectory.appendingPathComponent(name).path, seen: &seen)
                }
                continue
            }
            let bytes = remove(snapshotsDirectory.appendingPathComponent(name), seen: &seen)
            if buildCache && recordDiffIDs.contains(diffID) {
                report.buildCacheBytes += bytes
            } else {
                report.unreferencedBytes += bytes
            }
            report.snapshots += 1
        }
        for (name, record) in records {
            let file = cacheDirectory.appendingPathComponent(name)
            if buildCache || record == nil || record?.snapshot.map(hasSnapshot) == false {
                report.buildCacheBytes += remove(file, seen: &seen)
                report.cacheRecords += 1
            } else {
                report.keptBuildCacheBytes += Self.diskUsage(file.path, seen: &seen)
                report.keptCacheRecords += 1
            }
        }
        // The ELF check records name snapshots only as shortcuts; the build cache takes them.
        if buildCache, Self.exists(elfChecksDirectory.path) {
            report.buildCacheBytes += remove(elfChecksDirectory, seen: &seen)
        }
        // No build runs while prune holds the content lease, so no cache mount is in use.
        for name in entries(of: cacheMountsDirectory) {
            let entry = cacheMountsDirectory.appendingPathComponent(name)
            if buildCache {
                report.cacheMountBytes += remove(entry, seen: &seen)
                report.cacheMounts += 1
            } else {
                report.keptCacheMountBytes += Self.diskUsage(entry.path, seen: &seen)
                report.keptCacheMounts += 1
            }
        }
        for name in entries(of: temporaryDirectory) {
            report.workspaceBytes += remove(temporaryDirectory.appendingPathComponent(name), seen: &seen)
            report.workspaces += 1
        }
        report.bytes = report.unreferencedBytes + report.buildCacheBytes + report.cacheMountBytes + report.workspaceBytes
        return report
    }

    func entries(of directory: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }

    /// The blobs and snapshot diff IDs that the entries of `index.json` reach. Referrers (an
    /// SBOM) are reached only through their subject (a referrer of a referrer too): one whose
    /// subject nothing else reaches any more loses its `index.json` entry here (prune holds
    /// the index lock) and reaches nothing.
    func reachableContentDroppingOrphanReferrers() throws -> (Set<Digest>, Set<Digest>) {
        var index = try layout.readIndex()
        var (blobs, diffIDs) = reachableContent(from: index.manifests.filter { !Self.isReferrer($0) })
        var referrers = index.manifests.filter(Self.isReferrer)
        while true {
            let kept = referrers.filter {
                $0.annotations?[Self.subjectAnnotation].flatMap { try? Digest(parsing: $0) }.map(blobs.contains) == true
            }
            guard !kept.isEmpty else { break }
            let (keptBlobs, keptDiffIDs) = reachableContent(from: kept)
            blobs.formUnion(keptBlobs)
            diffIDs.formUnion(keptDiffIDs)
            referrers.removeAll { entry in kept.contains { $0.digest == entry.digest } }
        }
        if !referrers.isEmpty {
            let dropped = Set(referrers.map(\.digest))
            index.manifests.removeAll { Self.isReferrer($0) && dropped.contains($0.digest) }
            try layout.writeIndex(index)
        }
        return (blobs, diffIDs)
    }

    /// The blobs and snapshot names (diff IDs, and the snapshots their aliases link to)
    /// that `descriptors` (entries of `index.json`) reach. A
    /// document that is missing or unreadable ends that path: what it would reach is not kept.
    func reachableContent(from descriptors: [Descriptor]) -> (Set<Digest>, Set<Digest>) {
        var blobs: Set<Digest> = []
        var diffIDs: Set<Digest> = []
        var pending = descriptors
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
        // A layer's snapshot may be an alias of a build step's snapshot: that one is the
        // image's too.
        for diffID in diffIDs { if let target = aliasedSnapshot(diffID) { diffIDs.insert(target) } }
        return (blobs, diffIDs)
    }

    /// The name of the snapshot `snapshots/<name hex>` links to, when it is an alias
    /// (``aliasSnapshot(_:as:)``).
    func aliasedSnapshot(_ name: Digest) -> Digest? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: snapshotDirectory(for: name).path),
            target.count == 64, target.allSatisfy(\.isHexDigit)
        else { return nil }
        return Digest(sha256Hex: target)
    }

    /// Removes a file or tree, returning the disk space it held (see ``diskUsage(_:seen:)``).
    func remove(_ url: URL, seen: inout Set<FileKey>) -> Int64 {
        let bytes = Self.diskUsage(url.path, seen: &seen)
        try? FileManager.default.removeItem(at: url)
        return bytes
    }

    /// A file's identity, so that a file with several links is counted once.
    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The disk space (allocated blocks) of the file or tree at `path`, never following a
    /// symlink (a cache mount holds whatever its steps made, links to anywhere included),
    /// names read as bytes; a file already in `seen` (another link to it) counts nothing.
    /// What cannot be read counts nothing.
    static func diskUsage(_ path: String, seen: inout Set<FileKey>) -> Int64 {
        var status = stat()
        guard lstat(path, &status) == 0 else { return 0 }
        guard status.st_mode & S_IFMT == S_IFDIR else { return count(status, seen: &seen) }
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { return count(status, seen: &seen) }
        defer { close(directory) }
        return count(status, seen: &seen) + diskUsage(ofContents: directory, seen: &seen)
    }

    private static func diskUsage(ofContents directory: Int32, seen: inout Set<FileKey>) -> Int64 {
        var bytes: Int64 = 0
        for name in (try? DirectoryListing.entryNames(directory)) ?? [] {
            let cName = name.map { CChar(bitPattern: $0) } + [0]
            var status = stat()
            guard fstatat(directory, cName, &status, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            bytes += count(status, seen: &seen)
            guard status.st_mode & S_IFMT == S_IFDIR else { continue }
            let child = openat(directory, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { continue }
            bytes += diskUsage(ofContents: child, seen: &seen)
            close(child)
        }
        return bytes
    }

    private static func count(_ status: stat, seen: inout Set<FileKey>) -> Int64 {
        let key = FileKey(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        guard seen.insert(key).inserted else { return 0 }
        return Int64(status.st_blocks) * 512
    }
}
