import Foundation
import OCI
import Store

extension RegistryClient {
    /// Pushes the image `image` describes (see `ImageStore.inspect`) from `store` to
    /// `reference` (its tag, else by digest): each blob the repository lacks (`HEAD`) is
    /// mounted from another repository of the same registry when the store knows one that
    /// has it (an image pulled from there), else uploaded; at most
    /// ``RegistryConfiguration/maxConcurrentTransfers`` at a time. The manifest goes last,
    /// byte for byte as stored, then the artifacts the store keeps for the image (its SBOM,
    /// see ``pushReferrers(of:from:to:progress:)``). Returns the manifest's descriptor.
    ///
    /// - Throws: ``RegistryError``, `OCIError` (a blob missing from the store), `StoreError`.
    @discardableResult
    public func push(
        _ image: ImageDetails, from store: ImageStore, to reference: ImageReference,
        progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws -> Descriptor {
        try await store.withContentLease {
            let manifestBytes = try store.layout.readBlob(image.descriptor)
            let mountSources = try Self.mountSources(in: store, registry: reference.registry)
            let blobs = [image.manifest.config] + image.manifest.layers
            try await forEachConcurrently(blobs, limit: configuration.maxConcurrentTransfers) { blob in
                if try await self.hasBlob(blob.digest, in: reference) {
                    progress(TransferProgress(descriptor: blob, state: .alreadyPresent))
                    return
                }
                let path = try store.layout.blobPath(for: blob.digest)
                guard store.layout.blobSize(blob.digest) == blob.size else {
                    throw OCIError.blobMissing(digest: blob.digest, path: path)
                }
                let source = mountSources[blob.digest].flatMap { $0 == reference.repository ? nil : $0 }
                if source == nil { progress(TransferProgress(descriptor: blob, state: .uploading)) }
                let sent: @Sendable (Int64) -> Void = { bytes in
                    progress(TransferProgress(descriptor: blob, state: .transferred(bytes: bytes)))
                }
                switch try await self.uploadBlob(blob, from: path, to: reference, mountFrom: source, sent: sent) {
                case .mounted(let repository):
                    progress(TransferProgress(descriptor: blob, state: .mounted(from: repository)))
                case .uploaded:
                    if source != nil { progress(TransferProgress(descriptor: blob, state: .uploading)) }
                    progress(TransferProgress(descriptor: blob, state: .uploaded))
                }
            }
            let pushed = try await putManifest(manifestBytes, mediaType: image.descriptor.mediaType, to: reference)
            // Then what refers to the image (its SBOM), which needs the image there first.
            try await pushReferrers(of: image.descriptor, from: store, to: reference, progress: progress)
            return pushed
        }
    }

    /// For each blob of an image the store pulled from `registry`, the repository it came
    /// from (``sourceAnnotation`` on `index.json` entries).
    static func mountSources(in store: ImageStore, registry: String) throws -> [Digest: String] {
        var sources: [Digest: String] = [:]
        for entry in try store.layout.readIndex().manifests {
            guard let source = entry.annotations?[sourceAnnotation], source.hasPrefix(registry + "/"),
                let resolved = try? store.layout.resolveManifest(from: entry)
            else { continue }
            let repository = String(source.dropFirst(registry.count + 1))
            for blob in [resolved.manifest.config] + resolved.manifest.layers {
                sources[blob.digest] = repository
            }
        }
        return sources
    }
}

extension RegistryClient {
    /// Pushes an image index (a multi-platform build's result) from `store` to
    /// `reference`: each platform's image first (its blobs, then its manifest by digest),
    /// then the index, byte for byte as stored, under the tag (else by digest), so the
    /// registry never holds an index whose manifests it lacks. Returns the index's descriptor.
    ///
    /// - Throws: as ``push(_:from:to:progress:)``; `StoreError` when the store lacks a
    ///   platform's image (an index loaded for one platform).
    @discardableResult
    public func push(
        _ index: IndexDetails, from store: ImageStore, to reference: ImageReference,
        progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws -> Descriptor {
        try await store.withContentLease {
            for image in try index.platformImages() {
                var byDigest = reference
                byDigest.tag = nil
                byDigest.digest = image.descriptor.digest
                try await push(image, from: store, to: byDigest, progress: progress)
            }
            var target = reference
            target.digest = nil
            let bytes = try store.layout.readBlob(index.descriptor)
            return try await putManifest(bytes, mediaType: index.descriptor.mediaType, to: target)
        }
    }
}
