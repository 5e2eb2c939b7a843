/// A reference to a blob: what it is, its digest and its size, plus optional metadata
/// (OCI descriptor, media type `application/vnd.oci.descriptor.v1+json`).
///
/// Manifests use descriptors for their config and layers, indexes for their manifests,
/// and an image layout's `index.json` for its tagged images.
public struct Descriptor: Sendable, Hashable, Codable {
    /// The media type of the referenced content.
    public var mediaType: MediaType
    /// The digest of the referenced content.
    public var digest: Digest
    /// The size of the referenced content in bytes.
    public var size: Int64
    /// Other places the content may be downloaded from.
    public var urls: [String]?
    /// Arbitrary metadata (see ``AnnotationKey``).
    public var annotations: [String: String]?
    /// The platform the referenced manifest is for, in index entries.
    public var platform: Platform?
    /// The artifact type of the referenced manifest, when it is an artifact.
    public var artifactType: MediaType?

    /// A descriptor from its parts.
    public init(
        mediaType: MediaType, digest: Digest, size: Int64, urls: [String]? = nil,
        annotations: [String: String]? = nil, platform: Platform? = nil, artifactType: MediaType? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.platform = platform
        self.artifactType = artifactType
    }

    /// A descriptor for `bytes`, with their sha256 digest and size.
    public init(mediaType: MediaType, describing bytes: [UInt8]) {
        self.init(mediaType: mediaType, digest: .sha256(bytes), size: Int64(bytes.count))
    }

    /// The `org.opencontainers.image.ref.name` annotation: the tag of an `index.json` entry.
    public var referenceName: String? {
        annotations?[AnnotationKey.refName]
    }
}
