import Foundation
import OCI

/// What `snapshots/<id>/meta.json` records about a snapshot.
struct SnapshotMetadata: Codable {
    /// The sha256 of the layer's uncompressed tar: the snapshot's identity.
    var diffID: Digest
    /// The blob the snapshot was unpacked from.
    var layerDigest: Digest
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
    func unpack(layerAt path: String, expecting diffID: Digest, layerDigest: Digest, workspace: Workspace) throws -> URL {
        let directory = workspace.path("snapshot-\(diffID.hex)")
        let filesystem = directory.appendingPathComponent("fs")
        try FileManager.default.createDirectory(at: filesystem, withIntermediateDirectories: true)
        let extracted = try LayerExtractor.extract(layerAt: path, into: filesystem.path, name: layerDigest.description)
        guard extracted.diffID == diffID else {
            throw StoreError.layer(path: layerDigest.description,
                                   reason: "its content has diff ID \(extracted.diffID), but the image config says \(diffID)")
        }
        let metadata = try OCIJSON.encode(SnapshotMetadata(diffID: diffID, layerDigest: layerDigest))
        try Data(metadata).write(to: directory.appendingPathComponent("meta.json"))
        return directory
    }

    /// Renames a finished snapshot into `snapshots/`; one already there wins (same diff ID, same content).
    func commitSnapshot(_ directory: URL, diffID: Digest) throws {
        let destination = snapshotDirectory(for: diffID)
        guard !hasSnapshot(diffID) else { return }
        if rename(directory.path, destination.path) != 0, errno != EEXIST, errno != ENOTEMPTY {
            throw StoreError.io(path: destination.path, operation: "rename snapshot into place", errno: errno)
        }
    }
}
