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
                var diffID: Digest?
                if let snapshot = record.snapshot {
                    guard store.hasSnapshot(snapshot) else { continue }
                    let packed = try store.ensurePackedLayer(forSnapshot: snapshot, packer: packer)
                    layers[packed.descriptor.digest] = packed.descriptor
                    layer = packed.descriptor
                    diffID = packed.diffID
                }
                entries.append(SharedCache.Entry(key: key, diffID: diffID, created: record.created, layer: layer))
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

    /// Reads the ``SharedCache`` at `reference`: its manifest and its record list, nothing
    /// else. The records are kept in the returned ``ImportedSharedCache``, which downloads
    /// a record's layer only when a build step's key matches it
    /// (``ImportedSharedCache/record(for:progress:)``), so a cache of many steps costs a
    /// build only the layers of the steps that hit.
    public func openCache(from reference: ImageReference, for store: ImageStore) async throws -> ImportedSharedCache {
        let fetched = try await fetchManifest(reference)
        let manifest = try OCIJSON.decode(ImageManifest.self, from: fetched.bytes, what: "\(reference) cache manifest")
        guard manifest.config.mediaType == SharedCache.mediaType else {
            throw RegistryError.invalidResponse(
                registry: reference.registry, repository: reference.repository,
                reason: "\(reference) is not a swiftbuild cache (its config is \(manifest.config.mediaType))")
        }
        // The record list is small: fetched into the store like any blob, then read.
        let cache = try await store.withContentLease {
            try await download(manifest.config, from: reference, into: store, progress: { _ in })
            return try OCIJSON.decode(
                SharedCache.self, from: store.layout.readBlob(manifest.config), what: "\(reference) cache records")
        }
        let listed = Set(manifest.layers.map(\.digest))
        let usable = cache.entries.filter { entry in
            entry.diffID == nil || entry.layer.map { listed.contains($0.digest) } == true
        }
        return ImportedSharedCache(client: self, reference: reference, store: store, entries: usable)
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
