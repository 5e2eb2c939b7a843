import Foundation
import OCI

/// What `prune` removed.
public struct PruneReport: Sendable, Equatable {
    public var blobs = 0
    public var snapshots = 0
    public var workspaces = 0
    public var bytes: Int64 = 0
}

extension ImageStore {
    /// Removes every blob and snapshot that no `index.json` entry needs, and the work
    /// directories of processes that are gone. Runs under the index lock, so it never
    /// races a `load` or `tag`.
    public func prune() throws -> PruneReport {
        try withIndexLocked {
            var report = PruneReport()
            let (blobs, diffIDs) = try reachableContent()
            let blobDirectory = root.appendingPathComponent("blobs/sha256")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: blobDirectory.path)) ?? []
            where !blobs.contains(Digest(sha256Hex: name)) {
                report.bytes += remove(blobDirectory.appendingPathComponent(name))
                report.blobs += 1
            }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: snapshotsDirectory.path)) ?? []
            where !diffIDs.contains(Digest(sha256Hex: name)) {
                report.bytes += remove(snapshotsDirectory.appendingPathComponent(name))
                report.snapshots += 1
            }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory.path)) ?? []
            where isAbandoned(name) {
                report.bytes += remove(temporaryDirectory.appendingPathComponent(name))
                report.workspaces += 1
            }
            return report
        }
    }

    /// The blobs and snapshot diff IDs that the entries of `index.json` reach.
    private func reachableContent() throws -> (Set<Digest>, Set<Digest>) {
        var blobs: Set<Digest> = []
        var diffIDs: Set<Digest> = []
        var pending = try layout.readIndex().manifests
        while let descriptor = pending.popLast() {
            guard blobs.insert(descriptor.digest).inserted, layout.hasBlob(descriptor.digest) else { continue }
            if descriptor.mediaType.isIndex {
                pending += try layout.decodeBlob(descriptor, as: ImageIndex.self).manifests
            } else if descriptor.mediaType.isManifest {
                let manifest = try layout.decodeBlob(descriptor, as: ImageManifest.self)
                blobs.insert(manifest.config.digest)
                blobs.formUnion(manifest.layers.map(\.digest))
                diffIDs.formUnion(try layout.decodeBlob(manifest.config, as: ImageConfiguration.self).rootfs.diffIDs)
            }
        }
        return (blobs, diffIDs)
    }

    /// A `tmp/` entry whose owning process has exited; entries of unknown owner count after an hour.
    private func isAbandoned(_ name: String) -> Bool {
        if let owner = Workspace.owner(ofDirectoryNamed: name) {
            return kill(owner, 0) != 0 && errno == ESRCH
        }
        let path = temporaryDirectory.appendingPathComponent(name).path
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
        return Date().timeIntervalSince(modified) > 3600
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
