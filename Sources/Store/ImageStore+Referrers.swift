import Foundation
import OCI

/// Artifacts that refer to an image (OCI 1.1 referrers: a manifest whose `subject` is the
/// image's manifest and whose `artifactType` says what it is, such as an SBOM).
///
/// Each is kept by an unnamed `index.json` entry carrying ``subjectAnnotation`` (the
/// digest of the manifest it refers to) and its `artifactType`, so OCI tools reading the
/// store as a layout see it, and the store finds an image's referrers without reading
/// every manifest. Such an entry is not an image: `images` lists it with its subject, and
/// it keeps its content from `prune` only while an entry (a tag, or an unnamed image)
/// still holds its subject; once none does, `prune` drops the entry and its content.
extension ImageStore {
    /// The `index.json` annotation that marks an entry as a referrer of the manifest it names.
    public static let subjectAnnotation = "dev.swiftbuild.referrer.subject"

    /// Stores `content` (media type `artifactType`) as an artifact manifest referring to
    /// `subject` (with the empty `{}` config the image spec prescribes for artifacts), and
    /// keeps it in `index.json`. A referrer of the same subject and artifact type stored
    /// before is replaced (a rebuild's new SBOM replaces the old one). The subject must be
    /// held by an entry of the store, or be one platform's image of an index an entry holds
    /// (a multi-platform build's, whose images have no entries of their own).
    ///
    /// - Returns: the artifact manifest's descriptor.
    @discardableResult
    public func attachArtifact(_ content: [UInt8], artifactType: MediaType, to subject: Descriptor) throws -> Descriptor {
        try withIndexLocked {
            var index = try layout.readIndex()
            guard isHeld(subject.digest, by: index) else {
                throw StoreError.imageNotFound(subject.digest.description)
            }
            let layer = try layout.writeBlob(content).descriptor(mediaType: artifactType)
            let config = try layout.writeBlob(Array("{}".utf8)).descriptor(mediaType: .ociEmptyJSON)
            let manifest = try ImageManifest(
                artifactType: artifactType, config: config, layers: [layer],
                subject: Descriptor(mediaType: subject.mediaType, digest: subject.digest, size: subject.size)
            ).encoded()
            try layout.writeBlob(manifest.bytes)
            index.manifests.removeAll {
                $0.annotations?[Self.subjectAnnotation] == subject.digest.description && $0.artifactType == artifactType
            }
            index.manifests.append(Self.referrerEntry(manifest.descriptor, artifactType: artifactType, subject: subject.digest))
            try layout.writeIndex(index)
            return manifest.descriptor
        }
    }

    /// The `index.json` entry that keeps the artifact manifest `manifest` as a referrer of
    /// the manifest `subject`: the manifest's descriptor with its artifact type and
    /// ``subjectAnnotation``.
    static func referrerEntry(_ manifest: Descriptor, artifactType: MediaType?, subject: Digest) -> Descriptor {
        var entry = Descriptor(mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size)
        entry.artifactType = artifactType
        entry.annotations = [subjectAnnotation: subject.description]
        return entry
    }

    /// ``referrers(of:)``, or nil when there are none: what `inspect` shows (no key then).
    func listedReferrers(of subject: Digest) throws -> [Descriptor]? {
        let referrers = try referrers(of: subject)
        return referrers.isEmpty ? nil : referrers
    }

    /// The artifacts stored as referring to the manifest `subject`, as descriptors of their
    /// manifests (with their artifact types, without the store's annotation), by digest.
    public func referrers(of subject: Digest) throws -> [Descriptor] {
        try layout.readIndex().manifests
            .filter { $0.annotations?[Self.subjectAnnotation] == subject.description }
            .map { entry in
                var descriptor = entry
                descriptor.annotations = nil
                return descriptor
            }
            .sorted { $0.digest.description < $1.digest.description }
    }

    /// The content of the one layer of the referrer `descriptor` (an artifact manifest), at
    /// most `maxSize` bytes, verified against its digest.
    public func artifactContent(of descriptor: Descriptor, maxSize: Int64 = 64 << 20) throws -> (manifest: ImageManifest, content: [UInt8])
    {
        let manifest = try layout.decodeBlob(descriptor, as: ImageManifest.self)
        guard let layer = manifest.layers.first, manifest.layers.count == 1 else {
            throw StoreError.invalidImage(
                descriptor.digest.description, reason: "an artifact manifest with \(manifest.layers.count) layers")
        }
        return (manifest, try layout.readBlob(layer, maxSize: maxSize))
    }

    /// Whether `digest` is an entry of `index` (not a referrer's), or a manifest an
    /// entry's image index lists and the store holds: what prune keeps while the entry stays.
    private func isHeld(_ digest: Digest, by index: ImageIndex) -> Bool {
        let entries = index.manifests.filter { !Self.isReferrer($0) }
        if entries.contains(where: { $0.digest == digest }) { return true }
        guard layout.hasBlob(digest) else { return false }
        for entry in entries where entry.mediaType.isIndex {
            // An index the store cannot read holds nothing here (prune keeps nothing through it).
            if let listed = try? layout.decodeBlob(entry, as: ImageIndex.self), listed.manifests.contains(where: { $0.digest == digest }) {
                return true
            }
        }
        return false
    }

    /// Whether an `index.json` entry is a referrer (kept for its subject, not an image).
    static func isReferrer(_ entry: Descriptor) -> Bool {
        entry.annotations?[subjectAnnotation] != nil
    }
}
