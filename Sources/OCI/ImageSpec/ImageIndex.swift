/// An image index: a list of manifests, typically one per platform. An image layout's
/// `index.json` is one too, with each tag as an entry.
///
/// Decodes OCI indexes and Docker v2 schema 2 manifest lists alike (they share this
/// shape); ``mediaType`` tells them apart. Unknown fields are ignored.
public struct ImageIndex: Sendable, Equatable, Codable {
    /// Always 2.
    public var schemaVersion: Int
    /// The index's own media type (``MediaType/ociIndex`` or ``MediaType/dockerManifestList``).
    public var mediaType: MediaType?
    /// The type of artifact this index describes, when it is not a container image.
    public var artifactType: MediaType?
    /// The manifests (or nested indexes) this index lists.
    public var manifests: [Descriptor]
    /// The manifest this one refers to (signatures, attestations, SBOMs).
    public var subject: Descriptor?
    /// Arbitrary metadata (see ``AnnotationKey``).
    public var annotations: [String: String]?

    /// A schema version 2 index; the media type defaults to an OCI index.
    public init(
        mediaType: MediaType? = .ociIndex, artifactType: MediaType? = nil, manifests: [Descriptor] = [],
        subject: Descriptor? = nil, annotations: [String: String]? = nil
    ) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.manifests = manifests
        self.subject = subject
        self.annotations = annotations
    }

    /// The index as canonical JSON with a descriptor for it. The descriptor's media type is
    /// the index's own (an OCI index when unset) and it carries the artifact type.
    public func encoded() throws(OCIError) -> EncodedContent {
        try OCIJSON.encodedContent(self, mediaType: mediaType ?? .ociIndex, artifactType: artifactType)
    }
}
