import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI
import Store

extension RegistryClient {
    /// Pushes the artifacts the store keeps as referring to `subject` (an image's SBOM) to
    /// the repository of `reference`, after the image itself: each artifact's blobs, then
    /// its manifest by digest.
    ///
    /// A registry with the OCI 1.1 referrers API answers the manifest with an `OCI-Subject`
    /// header and indexes the artifact itself. For one without (the reference registry
    /// before 3.0, Docker Hub's older API), the distribution spec's fallback applies: the
    /// client keeps an image index tagged `sha256-<subject hex>` listing the subject's
    /// referrers, fetched (if it exists), extended with the new artifacts and put back.
    func pushReferrers(
        of subject: Descriptor, from store: ImageStore, to reference: ImageReference,
        progress: @escaping @Sendable (TransferProgress) -> Void
    ) async throws {
        let referrers = try store.referrers(of: subject.digest)
        guard !referrers.isEmpty else { return }
        var repository = reference
        repository.tag = nil
        repository.digest = nil
        var unindexed: [Descriptor] = []
        for referrer in referrers {
            let manifest = try store.layout.decodeBlob(referrer, as: ImageManifest.self)
            for blob in [manifest.config] + manifest.layers {
                if try await hasBlob(blob.digest, in: repository) {
                    progress(TransferProgress(descriptor: blob, state: .alreadyPresent))
                    continue
                }
                progress(TransferProgress(descriptor: blob, state: .uploading))
                _ = try await uploadBlob(blob, from: try store.layout.blobPath(for: blob.digest), to: repository)
                progress(TransferProgress(descriptor: blob, state: .uploaded))
            }
            let bytes = try store.layout.readBlob(referrer)
            if try await !putReferrer(bytes, mediaType: referrer.mediaType, digest: referrer.digest, to: repository) {
                var entry = Descriptor(mediaType: referrer.mediaType, digest: referrer.digest, size: referrer.size)
                entry.artifactType = manifest.artifactType ?? manifest.config.mediaType
                entry.annotations = manifest.annotations
                unindexed.append(entry)
            }
        }
        if !unindexed.isEmpty {
            try await addToReferrersTag(of: subject.digest, unindexed, in: repository)
        }
    }

    /// The tag of the referrers index of `subject` where a registry has no referrers API:
    /// `<algorithm>-<hex>` (the distribution spec's referrers tag schema).
    static func referrersTag(of subject: Digest) -> String {
        "\(subject.algorithm)-\(subject.hex)"
    }

    /// Puts the artifact manifest `bytes` by its digest; true when the registry says it
    /// indexed it as a referrer (the `OCI-Subject` header of OCI distribution 1.1).
    private func putReferrer(_ bytes: [UInt8], mediaType: MediaType, digest: Digest, to repository: ImageReference) async throws -> Bool {
        var byDigest = repository
        byDigest.tag = nil
        byDigest.digest = digest
        return try await sendManifest(bytes, mediaType: mediaType, to: byDigest).headers.first(name: "OCI-Subject") != nil
    }

    /// Adds `artifacts` to the referrers index tagged ``referrersTag(of:)`` (made when the
    /// repository has none; entries it lists already stay as they are).
    private func addToReferrersTag(of subject: Digest, _ artifacts: [Descriptor], in repository: ImageReference) async throws {
        var tagged = repository
        tagged.tag = Self.referrersTag(of: subject)
        var index = ImageIndex(manifests: [])
        do {
            let existing = try await fetchManifest(tagged)
            guard existing.descriptor.mediaType == .ociIndex else {
                throw RegistryError.invalidResponse(
                    registry: repository.registry, repository: repository.repository,
                    reason: "the referrers tag \(tagged.tag ?? "") holds \(existing.descriptor.mediaType), not an OCI image index")
            }
            index = try OCIJSON.decode(ImageIndex.self, from: existing.bytes, what: "the referrers index \(tagged.tag ?? "")")
        } catch RegistryError.http(_, _, _, let status, _) where status == 404 {
            // No referrers yet: a new index.
        }
        let missing = artifacts.filter { artifact in !index.manifests.contains { $0.digest == artifact.digest } }
        guard !missing.isEmpty else { return }
        index.manifests += missing
        index.mediaType = .ociIndex
        let encoded = try index.encoded()
        try await putManifest(encoded.bytes, mediaType: .ociIndex, to: tagged)
    }
}
