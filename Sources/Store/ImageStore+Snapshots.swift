import Foundation
import OCI
import OCIArchive
import System

/// What `snapshots/<name>/meta.json` records about a snapshot.
struct SnapshotMetadata: Codable {
    /// The sha256 of the layer's uncompressed tar; nil for a build step's snapshot that
    /// nothing has needed the diff ID of yet (it is computed when the layer is exported,
    /// pushed or shared, then recorded here).
    var diffID: Digest?
    /// The blob the snapshot was unpacked from or packed into; nil for a build step's
    /// snapshot that no image has used yet.
    var layerDigest: Digest?
    /// That blob's media type (its compression), when the snapshot was packed by a build.
    var mediaType: MediaType?
    /// The boot (`/proc/sys/kernel/random/boot_id`) in which a build step wrote the
    /// snapshot through a `volatile` overlay, whose unmount does not sync it to disk; nil
    /// once a later build synced the store (``ImageStore/syncEarlierSnapshots()``),
    /// and for snapshots unpacked from blobs. A snapshot marked with another boot is not
    /// used: the machine restarted before it was synced, and a crash may have lost part of
    /// its files, which nothing would notice (an unhashed layer has no digest to check).
    var unsyncedBoot: String? = nil
}

/// The identity of the running kernel's boot, which changes at every restart.
enum BootIdentity {
    static let current: String =
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
}

/// A snapshot's layer as an image holds it: its blob and its diff ID.
public struct PackedSnapshot: Sendable {
    public var descriptor: Descriptor
    public var diffID: Digest
}

extension ImageStore {
    /// The directory of the snapshot named `name`: `snapshots/<name hex>`. A layer unpacked
    /// from a blob, or packed when its step committed it, is named by its diff ID; a build
    /// step's layer that was not packed then has a random name (``commitBuiltSnapshot(_:)``).
    public func snapshotDirectory(for name: Digest) -> URL {
        snapshotsDirectory.appendingPathComponent(name.hex)
    }

    /// True when the snapshot named `name` (for a layer named by its diff ID: that layer)
    /// is in the store.
    public func hasSnapshot(_ name: Digest) -> Bool {
        guard let metadata = snapshotMetadata(name) else { return false }
        return metadata.unsyncedBoot == nil || metadata.unsyncedBoot == BootIdentity.current
    }

    /// The `meta.json` of the snapshot named `name`, nil when it cannot be read.
    func snapshotMetadata(_ name: Digest) -> SnapshotMetadata? {
        let url = snapshotDirectory(for: name).appendingPathComponent("meta.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(SnapshotMetadata.self, from: data)
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

    /// Moves a snapshot a build step made (a directory holding `fs/`) into `snapshots/`
    /// under a new random name, where later builds find it through the cache, without
    /// hashing it: a layer no image exports (a builder stage's) never needs its diff ID,
    /// and hashing it (a tar of the whole upper directory through SHA-256) was most of
    /// what a large step cost beyond its own process. ``ensurePackedLayer(forSnapshot:packer:)``
    /// computes the diff ID when an export, a push or a shared cache needs it.
    ///
    /// - Returns: the committed snapshot's name.
    public func commitBuiltSnapshot(_ directory: URL) throws -> Digest {
        var random = SystemRandomNumberGenerator()
        let name = Digest.sha256((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })
        let metadata = try OCIJSON.encode(
            SnapshotMetadata(diffID: nil, layerDigest: nil, mediaType: nil, unsyncedBoot: BootIdentity.current))
        try Data(metadata).write(to: directory.appendingPathComponent("meta.json"))
        try withIndexLocked { try commitSnapshot(directory, name: name) }
        noteUnsynced(name)
        return name
    }

    /// The stored blob of `mediaType` that the snapshot named `name` was packed into or
    /// unpacked from, with its diff ID, if the blob is still in the store.
    func packedLayer(named name: Digest, mediaType: MediaType) -> PackedSnapshot? {
        guard let metadata = snapshotMetadata(name), let diffID = metadata.diffID,
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
        return PackedSnapshot(descriptor: StoredBlob(digest: digest, size: size).descriptor(mediaType: mediaType), diffID: diffID)
    }

    /// Notes in the `meta.json` of the snapshot named `name` its diff ID and which blob it
    /// was packed into, for ``packedLayer(named:mediaType:)``.
    func recordPackedBlob(_ digest: Digest, mediaType: MediaType, diffID: Digest, for name: Digest) throws {
        let unsyncedBoot = snapshotMetadata(name)?.unsyncedBoot
        try replaceSnapshotMetadata(
            SnapshotMetadata(diffID: diffID, layerDigest: digest, mediaType: mediaType, unsyncedBoot: unsyncedBoot), of: name)
    }

    /// Replaces the `meta.json` of the snapshot named `name`, which is in place, atomically.
    private func replaceSnapshotMetadata(_ metadata: SnapshotMetadata, of name: Digest) throws {
        try Data(OCIJSON.encode(metadata)).write(
            to: snapshotDirectory(for: name).appendingPathComponent("meta.json"), options: .atomic)
    }

    /// Renames a finished snapshot (holding its `meta.json`) into `snapshots/<name>`; one
    /// already there wins (same name: same diff ID, same content; random names do not meet).
    /// A directory in its place without a usable `meta.json` (or an alias whose snapshot is
    /// gone: ``aliasSnapshot(_:as:)``) is what a killed process left (snapshots are renamed in complete, and
    /// only ones with `meta.json` are used): it is removed first. Callers hold the index lock.
    func commitSnapshot(_ directory: URL, name: Digest) throws {
        let destination = snapshotDirectory(for: name)
        guard !hasSnapshot(name) else { return }
        var status = stat()
        if lstat(destination.path, &status) == 0 {
            // Debris, a snapshot of another boot, or an alias whose snapshot is gone.
            try? FileManager.default.removeItem(at: destination)
        }
        if rename(directory.path, destination.path) != 0, errno != EEXIST, errno != ENOTEMPTY {
            throw StoreError.io(path: destination.path, operation: "rename snapshot into place", errno: errno)
        }
    }

    /// Remembers a snapshot this process committed unsynced, for ``deferSyncOfBuiltSnapshots()``.
    private func noteUnsynced(_ name: Digest) {
        _ = unsyncedSnapshots.withLock { $0.insert(name) }
    }

    /// Hands the snapshots this process's build steps committed unsynced to the store's
    /// journal (`unsynced`), for the next build to sync (``syncEarlierSnapshots()``).
    ///
    /// Build steps mount their overlays `volatile`, so a step's unmount (and every fsync
    /// its process makes) does not wait for the disk, and the build ends without waiting
    /// either: its image's blobs, documents and tags are synced as they are written, and
    /// its steps' snapshots (the build cache) stay marked with this boot until a later
    /// build syncs them, by when the kernel has usually written them back and the sync
    /// costs little. A restart before that makes them unusable (``hasSnapshot(_:)``: their
    /// steps run again), never wrong.
    public func deferSyncOfBuiltSnapshots() throws {
        let names = unsyncedSnapshots.withLock { names in
            defer { names.removeAll() }
            return names
        }
        guard !names.isEmpty else { return }
        try withIndexLocked { try appendToUnsyncedJournal(names.map(\.hex)) }
    }

    /// Syncs the snapshots earlier builds left unsynced (the journal's): one `syncfs` of
    /// the store's file system, then their `unsyncedBoot` marks are dropped. The journal
    /// is emptied first, under the index lock, so two builds never sync the same names;
    /// when the sync fails, its names go back to the journal for a later build.
    public func syncEarlierSnapshots() throws {
        let names: [String] = try withIndexLocked {
            guard let text = try? String(contentsOf: unsyncedJournal, encoding: .utf8) else { return [] }
            try? FileManager.default.removeItem(at: unsyncedJournal)
            return Array(Set(text.split(separator: "\n").map(String.init)))
        }
        guard !names.isEmpty else { return }
        do {
            try FileSystemSync.sync(fileSystemOf: snapshotsDirectory.path)
        } catch {
            try? withIndexLocked { try appendToUnsyncedJournal(names) }
            throw StoreError.io(path: snapshotsDirectory.path, operation: "syncfs", errno: error.code)
        }
        try withIndexLocked {
            // Only well-formed names: a line is a snapshot directory's name, never a path.
            for name in names.compactMap({ try? Digest(parsing: "sha256:" + $0) }) {
                // Marked with another boot: lost to a restart before this sync, left unusable.
                guard var metadata = snapshotMetadata(name), metadata.unsyncedBoot == BootIdentity.current else { continue }
                metadata.unsyncedBoot = nil
                try replaceSnapshotMetadata(metadata, of: name)
            }
        }
    }

    /// The journal of snapshots that ended builds committed unsynced, one name (hex) a line.
    var unsyncedJournal: URL { root.appendingPathComponent("unsynced") }

    /// Appends `names` to the journal. Callers hold the index lock.
    private func appendToUnsyncedJournal(_ names: [String]) throws {
        let path = unsyncedJournal.path
        let descriptor = FileDescriptor(adopting: open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600))
        guard descriptor.rawValue >= 0 else { throw StoreError.io(path: path, operation: "open", errno: errno) }
        let bytes = Array(names.map { $0 + "\n" }.joined().utf8)
        let written = bytes.withUnsafeBytes { write(descriptor.rawValue, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw StoreError.io(path: path, operation: "append", errno: written < 0 ? errno : EIO) }
    }

    /// Makes `snapshots/<diffID hex>` a symbolic link to the snapshot named `name` (its
    /// layer, packed after the step committed it under a random name) unless that name is
    /// taken, so a later build on an image with this layer finds it by diff ID instead of
    /// unpacking the blob again. Links are relative, within `snapshots/`; one left dangling
    /// (its snapshot pruned) counts as absent and is replaced or reclaimed. Callers hold the
    /// index lock.
    func aliasSnapshot(_ name: Digest, as diffID: Digest) {
        guard name != diffID else { return }
        var status = stat()
        guard lstat(snapshotDirectory(for: diffID).path, &status) != 0, errno == ENOENT else { return }
        _ = symlink(name.hex, snapshotDirectory(for: diffID).path)
    }
}
