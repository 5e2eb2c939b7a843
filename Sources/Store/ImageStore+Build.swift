import Foundation
import OCI
import System

/// A stored image ready to build on: its documents and, per layer, the unpacked snapshot.
public struct BaseImage: Sendable {
    /// The manifest's descriptor (the image ID).
    public var descriptor: Descriptor
    public var manifest: ImageManifest
    public var config: ImageConfiguration
    /// Each layer's snapshot `fs` directory, bottom layer first.
    public var snapshotDirectories: [URL]
}

extension ImageStore {
    /// A new work directory under `tmp/` (same file system as the snapshots), locked
    /// as this process's until ``removeWorkDirectory(_:)`` (see ``Workspace``).
    public func makeWorkDirectory() throws -> URL {
        try makeWorkspace().url
    }

    /// Removes a work directory ``makeWorkDirectory()`` made, and drops its lock. Nothing is
    /// removed through a mount point left in it (an overlay whose unmount failed: its upper
    /// directory's entries may be a committed snapshot's); that part stays, for
    /// ``reclaimDebris()`` once the mount is gone with the process.
    public func removeWorkDirectory(_ url: URL) {
        if let mount = RootDirectory.mountID(of: url.path) {
            let parent = FileDescriptor(adopting: open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
            if parent.rawValue >= 0 {
                try? RootDirectory.remove(Array(url.lastPathComponent.utf8), in: parent.rawValue, withinMount: mount)
            }
        } else {
            // A kernel before 5.8 names no mounts: removed as before, which only matters when
            // an unmount failed.
            try? FileManager.default.removeItem(at: url)
        }
        WorkspaceLocks.shared.release(url.path)
    }

    /// The image `name` names, with a snapshot for every layer (unpacked now if missing).
    public func baseImage(named name: String) throws -> BaseImage {
        try baseImage(of: inspect(name))
    }

    /// The image `details` describes, with a snapshot for every layer (unpacked now if missing).
    public func baseImage(of details: ImageDetails) throws -> BaseImage {
        let name = details.name
        let diffIDs = details.config.rootfs.diffIDs
        guard diffIDs.count == details.manifest.layers.count else {
            throw StoreError.invalidImage(
                name, reason: "the manifest has \(details.manifest.layers.count) layers but the config lists \(diffIDs.count) diff IDs")
        }
        var directories: [URL] = []
        for (layer, diffID) in zip(details.manifest.layers, diffIDs) {
            if !hasSnapshot(diffID) {
                let workspace = try makeWorkspace()
                defer { workspace.remove() }
                let unpacked = try unpack(
                    layerAt: layout.blobPath(for: layer.digest), expecting: diffID,
                    layerDigest: layer.digest, mediaType: layer.mediaType, workspace: workspace)
                try withIndexLocked { try commitSnapshot(unpacked, name: diffID) }
            }
            directories.append(snapshotDirectory(for: diffID).appendingPathComponent("fs"))
        }
        return BaseImage(
            descriptor: details.descriptor, manifest: details.manifest, config: details.config,
            snapshotDirectories: directories)
    }

    /// Stores a built image whose layer blobs and snapshots are in the store already
    /// (``ensurePackedLayer(forSnapshot:packer:)``): checks them, writes its config and
    /// manifest, and points every tag at it, all under the index lock. `snapshots` names the
    /// snapshots the build used for the layers (a step's layer may have a random name, not
    /// its diff ID). Without tags, the image is kept as an unnamed `index.json` entry, unless
    /// `keep` is false: one platform's image of a multi-platform build, which the index
    /// ``commitIndex(manifests:tags:)`` writes keeps (the build holds the content lease until
    /// then, so no prune sees it unkept).
    ///
    /// - Returns: the manifest's descriptor (its digest is the image ID).
    public func commitImage(
        config: ImageConfiguration, baseLayers: [Descriptor], layers: [Descriptor], snapshots: [Digest],
        tags: [String], annotations: [String: String]? = nil, keep: Bool = true
    ) throws -> Descriptor {
        let names = try tags.map { try ImageReference.storeName(parsing: $0) }
        return try withIndexLocked {
            let required = RequiredContent(
                blobs: Set((baseLayers + layers).map(\.digest)),
                snapshots: Set(snapshots))
            try verify(required, for: names.first ?? "the built image")
            let configBlob = try layout.writeBlob(config.encoded().bytes).descriptor(mediaType: .ociConfig)
            let layerDescriptors = baseLayers + layers
            let manifest = try ImageManifest(config: configBlob, layers: layerDescriptors, annotations: annotations).encoded()
            try layout.writeBlob(manifest.bytes)
            guard keep || !names.isEmpty else { return manifest.descriptor }
            var index = try layout.readIndex()
            index.point(names, at: manifest.descriptor)
            try layout.writeIndex(index)
            return manifest.descriptor
        }
    }
}
