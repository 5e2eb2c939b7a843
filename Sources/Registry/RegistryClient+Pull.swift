import Foundation
import OCI
import Store

/// What ``RegistryClient/pull(_:platform:into:progress:)`` stored.
public struct PulledImage: Sendable {
    /// The image manifest for the platform: the store entry's descriptor, whose digest is the image ID.
    public var descriptor: Descriptor
    /// The index the manifest was chosen from, when the reference named one.
    public var index: Descriptor?
    /// The name it was tagged with in the store (`alpine:3.20`); nil for a pull by digest alone.
    public var name: String?
}

extension RegistryClient {
    /// The annotation on a pulled image's `index.json` entry that records where it came
    /// from (`REGISTRY/REPOSITORY`), so a push to another repository of that registry can
    /// mount its blobs instead of uploading them.
    public static let sourceAnnotation = "swiftbuild.registry.source"

    /// How deep nested indexes are followed.
    static let maxIndexDepth = 4

    /// Pulls the image `reference` names into `store`: the manifest (from an index or
    /// manifest list, the one ``Platform/bestMatch(in:)`` picks for `platform`), its config and
    /// its layers, downloaded at most ``RegistryConfiguration/maxConcurrentTransfers`` at a
    /// time into the store's `tmp/` and moved into its blobs once their digest and size
    /// are verified. Blobs the store has are skipped, and verified blobs stay even when
    /// the pull fails, so pulling again resumes. The image is tagged with
    /// ``ImageReference/storeName`` when the reference has a tag, else kept unnamed.
    /// Layers are unpacked into snapshots when a build first uses them.
    ///
    /// - Throws: ``RegistryError``, `OCIError` (a blob that does not match its digest, no
    ///   manifest for the platform), `StoreError`.
    public func pull(
        _ reference: ImageReference, platform: Platform = .host, into store: ImageStore,
        progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws -> PulledImage {
        try await store.withContentLease {
            var fetched = try await fetchManifest(reference)
            var index: Descriptor?
            var depth = 0
            while fetched.descriptor.mediaType.isIndex {
                depth += 1
                guard depth <= Self.maxIndexDepth else {
                    throw OCIError.indexNestingTooDeep(digest: fetched.descriptor.digest, limit: Self.maxIndexDepth)
                }
                let list = try OCIJSON.decode(ImageIndex.self, from: fetched.bytes, what: "\(reference) index \(fetched.descriptor.digest)")
                index = index ?? fetched.descriptor
                guard let chosen = platform.bestMatch(in: list.manifests) else {
                    throw OCIError.noMatchingPlatform(
                        source: "\(reference)", requested: platform,
                        available: list.manifests.compactMap(\.platform))
                }
                var next = reference
                next.digest = chosen.digest
                fetched = try await fetchManifest(next)
            }
            let manifest = try OCIJSON.decode(
                ImageManifest.self, from: fetched.bytes, what: "\(reference) manifest \(fetched.descriptor.digest)")
            let blobs = [manifest.config] + manifest.layers
            try await forEachConcurrently(blobs, limit: configuration.maxConcurrentTransfers) { blob in
                try await self.download(blob, from: reference, into: store, progress: progress)
            }
            try store.layout.writeBlob(fetched.bytes)
            var entry = fetched.descriptor
            entry.annotations = [Self.sourceAnnotation: "\(reference.registry)/\(reference.repository)"]
            let name = reference.storeName
            try store.recordPulledImage(entry, blobs: blobs.map(\.digest) + [fetched.descriptor.digest], name: name)
            return PulledImage(descriptor: fetched.descriptor, index: index, name: name)
        }
    }

    /// Downloads one blob into the store unless it is there already.
    func download(
        _ blob: Descriptor, from reference: ImageReference, into store: ImageStore,
        progress: @escaping @Sendable (TransferProgress) -> Void
    ) async throws {
        if store.layout.blobSize(blob.digest) == blob.size {
            progress(TransferProgress(descriptor: blob, state: .alreadyPresent))
            return
        }
        progress(TransferProgress(descriptor: blob, state: .downloading))
        let temporary = "\(store.layout.temporaryDirectory)/pull-\(blob.digest.hex)-\(UUID().uuidString.prefix(8))"
        defer { unlink(temporary) }
        try await fetchBlob(blob, from: reference, to: temporary) { bytes in
            progress(TransferProgress(descriptor: blob, state: .transferred(bytes: bytes)))
        }
        try store.layout.ingestBlob(from: temporary, mode: .move, expectedDigest: blob.digest, expectedSize: blob.size)
        progress(TransferProgress(descriptor: blob, state: .downloaded))
    }
}
