import Foundation
import OCI
import OCIArchive

/// What `snapshots/<id>/meta.json` records about a snapshot.
struct SnapshotMetadata: Codable {
    /// The sha256 of the layer's uncompressed tar: the snapshot's identity.
    var diffID: Digest
    /// The blob the snapshot was unpacked from or packed into; nil for a build step's
    /// snapshot that no image has used yet.
    var layerDigest: Digest?
    /// That blob's media type (its compression), when the snapshot was packed by a build.
    var mediaType: MediaType?
}

extension ImageStore {
    /// The directory of the snapshot for a layer: `snapshots/<diff ID hex>`.
    public func snapshotDirectory(for diffID: Digest) -> URL {
        snapshotsDirectory.appendingPathComponent(diffID.hex)
    }

    /// True when the layer with `diffID` is unpacked in the store.
    public func hasSnapshot(_ diffID: Digest) -> Bool {
        FileManager.default.fileExists(atPath: snapshotDirectory(for: diffID).appendingPathComponent("meta.json").path)
    }

    /// Unpacks a layer blob into a new snapshot in the workspace and checks its diff ID.
    ///
    /// - Returns: the snapshot directory (holding `fs/` and `meta.json`), ready to be committed.
    func unpack(
        layerAt path: String, expecting diffID: Digest, layerDigest: Digest, mediaType: MediaType,
        workspace: Workspace
    ) throws -> URL {
        try Self.checkCompression(ofLayerAt: path, mediaType: mediaType, digest: layerDigest)
        let directory = workspace.path("snapshot-\(diffID.hex)")
        let filesystem = directory.appendingPathComponent("fs")
        try FileManager.default.createDirectory(at: filesystem, withIntermediateDirectories: true)
        let extracted = try LayerExtractor.extract(layerAt: path, into: filesystem.path, name: layerDigest.description)
        guard extracted.diffID == diffID else {
            throw StoreError.layer(
                path: layerDigest.description,
                reason: "its content has diff ID \(extracted.diffID), but the image config says \(diffID)")
        }
        let metadata = try OCIJSON.encode(SnapshotMetadata(diffID: diffID, layerDigest: layerDigest))
        try Data(metadata).write(to: directory.appendingPathComponent("meta.json"))
        return directory
    }

    /// Refuses a layer whose bytes are not compressed as its media type says (a
    /// `tar+zstd` that is a plain tar, a `tar+gzip` that is zstd), as containerd refuses
    /// to apply them, instead of guessing from the content. The one tolerance is Docker's:
    /// its `tar.gzip` layer type on an uncompressed tar, which Docker itself reads.
    static func checkCompression(ofLayerAt path: String, mediaType: MediaType, digest: Digest) throws {
        guard let declared = mediaType.layerCompression else { return }
        let actual = try ImageSourceReader.compression(ofFileAt: path)
        guard actual != declared else { return }
        if actual == .none, mediaType == .dockerLayerGzip || mediaType == .dockerForeignLayerGzip { return }
        let content = actual == .none ? "an uncompressed tar (or another compression)" : "\(actual.rawValue)-compressed"
        throw StoreError.layer(
            path: digest.description,
            reason:
                "its media type \(mediaType.rawValue) says \(declared == .none ? "uncompressed" : declared.rawValue), but the blob is \(content)"
        )
    }

    /// Moves a snapshot a build step made (a directory holding `fs/`) into
    /// `snapshots/<diff ID>`, where later builds find it through the cache.
    ///
    /// - Returns: the committed snapshot's directory.
    public func commitBuiltSnapshot(_ directory: URL, diffID: Digest) throws -> URL {
        let metadata = try OCIJSON.encode(SnapshotMetadata(diffID: diffID, layerDigest: nil, mediaType: nil))
        try Data(metadata).write(to: directory.appendingPathComponent("meta.json"))
        try withIndexLocked { try commitSnapshot(directory, diffID: diffID) }
        return snapshotDirectory(for: diffID)
    }

    /// Moves a snapshot a build step made into `snapshots/<diff ID>` together with the
    /// layer blob it was packed into (moved into the store's blobs), so the export reuses it.
    ///
    /// - Returns: the committed snapshot's directory.
    public func commitBuiltSnapshot(_ directory: URL, packedInto layer: BuiltLayer) throws -> URL {
        // meta.json goes in before the rename, so a snapshot is never in place without it.
        let metadata = try OCIJSON.encode(
            SnapshotMetadata(
                diffID: layer.diffID, layerDigest: layer.descriptor.digest,
                mediaType: layer.descriptor.mediaType))
        try Data(metadata).write(to: directory.appendingPathComponent("meta.json"))
        try withIndexLocked {
            if !layout.hasBlob(layer.descriptor.digest) {
                try layout.ingestBlob(
                    from: layer.blobPath, mode: .move, expectedDigest: layer.descriptor.digest,
                    expectedSize: layer.descriptor.size)
            }
            if hasSnapshot(layer.diffID) {
                // Built by another step or build meanwhile: note the blob in the one in place.
                try recordPackedBlob(layer.descriptor.digest, mediaType: layer.descriptor.mediaType, for: layer.diffID)
            } else {
                try commitSnapshot(directory, diffID: layer.diffID)
            }
        }
        return snapshotDirectory(for: layer.diffID)
    }

    /// The stored blob of `media type` that the snapshot with `diffID` was packed into or
    /// unpacked from, if the blob is still in the store.
    public func packedLayer(for diffID: Digest, mediaType: MediaType) -> Descriptor? {
        let url = snapshotDirectory(for: diffID).appendingPathComponent("meta.json")
        guard let data = try? Data(contentsOf: url),
            let metadata = try? JSONDecoder().decode(SnapshotMetadata.self, from: data),
            let digest = metadata.layerDigest, let size = layout.blobSize(digest)
        else { return nil }
        if let recorded = metadata.mediaType {
            guard recorded == mediaType else { return nil }
        } else {
            // Unpacked from an image's blob, whose media type the snapshot does not note:
            // reuse it only when its bytes are compressed as asked.
            guard let path = try? layout.blobPath(for: digest),
                let actual = try? ImageSourceReader.compression(ofFileAt: path), actual == mediaType.layerCompression
            else { return nil }
        }
        return StoredBlob(digest: digest, size: size).descriptor(mediaType: mediaType)
    }

    /// Notes in the snapshot's `meta.json` which blob it was packed into, for ``packedLayer(for:mediaType:)``.
    func recordPackedBlob(_ digest: Digest, mediaType: MediaType, for diffID: Digest) throws {
        let metadata = try OCIJSON.encode(SnapshotMetadata(diffID: diffID, layerDigest: digest, mediaType: mediaType))
        try Data(metadata).write(to: snapshotDirectory(for: diffID).appendingPathComponent("meta.json"), options: .atomic)
    }

    /// Renames a finished snapshot (holding its `meta.json`) into `snapshots/`; one
    /// already there wins (same diff ID, same content). A directory in its place without
    /// `meta.json` is what a killed process left (snapshots are renamed in complete, and
    /// only ones with `meta.json` are used): it is removed first. Callers hold the index lock.
    func commitSnapshot(_ directory: URL, diffID: Digest) throws {
        let destination = snapshotDirectory(for: diffID)
        guard !hasSnapshot(diffID) else { return }
        if FileManager.default.fileExists(atPath: destination.path) {
            try? FileManager.default.removeItem(at: destination)
        }
        if rename(directory.path, destination.path) != 0, errno != EEXIST, errno != ENOTEMPTY {
            throw StoreError.io(path: destination.path, operation: "rename snapshot into place", errno: errno)
        }
    }
}
