import Foundation
import OCI
import OCIArchive

extension ImageStore {
    /// The blob and diff ID of the snapshot named `name`, packed by `packer` now (and kept
    /// in the store, both noted in the snapshot) unless an earlier build step, export or
    /// pull left a blob of its media type: what an image export and a shared cache upload.
    /// A build step's snapshot that was committed unhashed gets its diff ID here, once. The
    /// packer must clamp times as the build that made the snapshot did (its
    /// `SOURCE_DATE_EPOCH`), or the diff ID does not match a known one and this throws.
    public func ensurePackedLayer(forSnapshot name: Digest, packer: LayerPacker) throws -> PackedSnapshot {
        let mediaType = packer.compression.mediaType
        if let stored = packedLayer(named: name, mediaType: mediaType) { return stored }
        guard hasSnapshot(name) else {
            throw StoreError.layer(path: name.description, reason: "its snapshot is not in the store")
        }
        let known = snapshotMetadata(name)?.diffID
        let workspace = try makeWorkspace()
        defer { workspace.remove() }
        let blobPath = workspace.path("layer.blob").path
        let blob = try packer.pack(directory: snapshotDirectory(for: name).appendingPathComponent("fs").path, to: blobPath)
        if let known, blob.diffID != known {
            throw StoreError.layer(path: known.description, reason: "the snapshot packs to diff ID \(blob.diffID)")
        }
        return try withIndexLocked {
            if !layout.hasBlob(blob.digest) {
                try layout.ingestBlob(from: blobPath, mode: .adopt, expectedDigest: blob.digest, expectedSize: blob.size)
            }
            try recordPackedBlob(blob.digest, mediaType: mediaType, diffID: blob.diffID, for: name)
            aliasSnapshot(name, as: blob.diffID)
            return PackedSnapshot(
                descriptor: StoredBlob(digest: blob.digest, size: blob.size).descriptor(mediaType: mediaType), diffID: blob.diffID)
        }
    }

    /// `layer` (a stored blob whose tar has `diffID`, e.g. a base image's layer) compressed
    /// as `packer` compresses: the layer itself when it is already, else a blob recompressed
    /// from it now (the tar copied as it is, so the diff ID stays; kept in the store and
    /// noted in the snapshot for the next export). What `force-compression` does to base layers.
    public func ensureCompressedLayer(_ layer: Descriptor, diffID: Digest, packer: LayerPacker) throws -> Descriptor {
        let mediaType = packer.compression.mediaType
        if layer.mediaType.layerCompression == mediaType.layerCompression { return layer }
        if let stored = packedLayer(named: diffID, mediaType: mediaType) { return stored.descriptor }
        let workspace = try makeWorkspace()
        defer { workspace.remove() }
        let blobPath = workspace.path("layer.blob").path
        let blob = try packer.recompress(blobAt: layout.blobPath(for: layer.digest), to: blobPath)
        guard blob.diffID == diffID else {
            throw StoreError.layer(path: layer.digest.description, reason: "its tar has diff ID \(blob.diffID), not \(diffID)")
        }
        return try withIndexLocked {
            if !layout.hasBlob(blob.digest) {
                try layout.ingestBlob(from: blobPath, mode: .adopt, expectedDigest: blob.digest, expectedSize: blob.size)
            }
            if hasSnapshot(diffID) {
                try recordPackedBlob(blob.digest, mediaType: mediaType, diffID: diffID, for: diffID)
            }
            return StoredBlob(digest: blob.digest, size: blob.size).descriptor(mediaType: mediaType)
        }
    }

    /// Unpacks the stored layer blob `layer` into the snapshot for `diffID` (checking the
    /// diff ID) unless that snapshot exists: what a cache record from a registry needs
    /// before it can be trusted.
    public func importSnapshot(of layer: Descriptor, diffID: Digest) throws {
        guard !hasSnapshot(diffID) else { return }
        let workspace = try makeWorkspace()
        defer { workspace.remove() }
        let unpacked = try unpack(
            layerAt: layout.blobPath(for: layer.digest), expecting: diffID,
            layerDigest: layer.digest, mediaType: layer.mediaType, workspace: workspace)
        let metadata = try OCIJSON.encode(SnapshotMetadata(diffID: diffID, layerDigest: layer.digest, mediaType: layer.mediaType))
        try Data(metadata).write(to: unpacked.appendingPathComponent("meta.json"))
        try withIndexLocked { try commitSnapshot(unpacked, name: diffID) }
    }
}
