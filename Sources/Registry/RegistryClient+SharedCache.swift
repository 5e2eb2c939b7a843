import Foundation
import OCI
import OCIArchive
import Store

extension RegistryClient {
    /// Uploads `records` (cache keys and what their steps left behind, from the store) to
    /// `reference` as a ``SharedCache`` manifest: every layer blob the registry lacks
    /// (packed now by `packer` for snapshots no image used: it must clamp times as the build
    /// did), the record list, then the manifest.
    ///
    /// - Returns: the cache manifest's descriptor.
    @discardableResult
    public func exportCache(
        _ records: [Digest: CacheRecord], from store: ImageStore, to reference: ImageReference,
        packer: LayerPacker = LayerPacker(),
        progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws -> Descriptor {
        try await store.withContentLease {
            var entries: [SharedCache.Entry] = []
            var layers: [Digest: Descriptor] = [:]
            for (key, record) in records {
                var layer: Descriptor?
                if let diffID = record.diffID {
                    guard store.hasSnapshot(diffID) else { continue }
                    let packed = try store.ensurePackedLayer(for: diffID, packer: packer)
                    layers[packed.digest] = packed
                    layer = packed
                }
                entries.append(SharedCache.Entry(key: key, diffID: record.diffID, created: record.created, layer: layer))
            }
            let blobs = layers.values.sorted { $0.digest < $1.digest }
            try await forEachConcurrently(blobs, limit: configuration.maxConcurrentTransfers) { blob in
                try await self.upload(blob, from: store, to: reference, progress: progress)
            }
            let config = try store.layout.writeBlob(OCIJSON.encode(SharedCache(entries: entries)))
                .descriptor(mediaType: SharedCache.mediaType)
            try await upload(config, from: store, to: reference, progress: progress)
            let manifest = try ImageManifest(config: config, layers: blobs).encoded()
            return try await putManifest(manifest.bytes, mediaType: .ociManifest, to: reference)
        }
    }

    /// Downloads the ``SharedCache`` at `reference` into `store`: each layer blob the store
    /// lacks, unpacked into its snapshot (its diff ID checked), and a cache record for every
    /// entry the store has no record of. A later build then hits wherever its keys match.
    ///
    /// - Returns: how many records were added.
    @discardableResult
    public func importCache(
        from reference: ImageReference, into store: ImageStore,
        progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws -> Int {
        try await store.withContentLease {
            let fetched = try await fetchManifest(reference)
            let manifest = try OCIJSON.decode(ImageManifest.self, from: fetched.bytes, what: "\(reference) cache manifest")
            guard manifest.config.mediaType == SharedCache.mediaType else {
                throw RegistryError.invalidResponse(
                    registry: reference.registry, repository: reference.repository,
                    reason: "\(reference) is not a swiftbuild cache (its config is \(manifest.config.mediaType))")
            }
            try await download(manifest.config, from: reference, into: store, progress: progress)
            let cache = try OCIJSON.decode(
                SharedCache.self, from: store.layout.readBlob(manifest.config), what: "\(reference) cache records")
            let listed = Set(manifest.layers.map(\.digest))
            let wanted = cache.entries.filter { entry in
                store.cacheRecord(for: entry.key) == nil && (entry.diffID == nil || entry.layer.map { listed.contains($0.digest) } == true)
            }
            var layers: [Digest: SnapshotLayer] = [:]
            for entry in wanted {
                if let layer = entry.layer, let diffID = entry.diffID, !store.hasSnapshot(diffID) {
                    layers[layer.digest] = SnapshotLayer(blob: layer, diffID: diffID)
                }
            }
            try await forEachConcurrently(Array(layers.values), limit: configuration.maxConcurrentTransfers) { layer in
                try await self.download(layer.blob, from: reference, into: store, progress: progress)
                try store.importSnapshot(of: layer.blob, diffID: layer.diffID)
            }
            for entry in wanted {
                try store.recordCache(CacheRecord(diffID: entry.diffID, created: entry.created), for: entry.key)
            }
            return wanted.count
        }
    }

    /// A layer blob and the diff ID its snapshot must have.
    private struct SnapshotLayer: Sendable {
        var blob: Descriptor
        var diffID: Digest
    }

    /// Uploads one stored blob unless the repository has it.
    private func upload(
        _ blob: Descriptor, from store: ImageStore, to reference: ImageReference,
        progress: @Sendable (TransferProgress) -> Void
    ) async throws {
        if try await hasBlob(blob.digest, in: reference) {
            progress(TransferProgress(descriptor: blob, state: .alreadyPresent))
            return
        }
        progress(TransferProgress(descriptor: blob, state: .uploading))
        try await uploadBlob(blob, from: store.layout.blobPath(for: blob.digest), to: reference)
        progress(TransferProgress(descriptor: blob, state: .uploaded))
    }
}
