/// An image manifest: one image for one platform, as a config blob and an ordered list
/// of layer blobs.
///
/// Decodes OCI manifests and Docker v2 schema 2 manifests alike (they share this shape);
/// ``mediaType`` tells them apart. Unknown fields are ignored.
public struct ImageManifest: Sendable, Equatable, Codable {
    /// Always 2.
    public var schemaVersion: Int
    /// The manifest's own media type (``MediaType/ociManifest`` or ``MediaType/dockerManifest``).
    public var mediaType: MediaType?
    /// The type of artifact this manifest describes, when it is not a container image.
    public var artifactType: MediaType?
    /// The image configuration blob.
    public var config: Descriptor
    /// The layers, base first.
    public var layers: [Descriptor]
    /// The manifest this one refers to (signatures, attestations, SBOMs).
    public var subject: Descriptor?
    /// Arbitrary metadata (see ``AnnotationKey``).
    public var annotations: [String: String]?

    /// A schema version 2 manifest; the media type defaults to an OCI manifest.
    public init(
        mediaType: MediaType? = .ociManifest, artifactType: MediaType? = nil, config: Descriptor,
        layers: [Descriptor], subject: Descriptor? = nil, annotations: [String: String]? = nil
    ) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.config = config
        self.layers = layers
        self.subject = subject
        self.annotations = annotations
    }

    /// The manifest as canonical JSON with a descriptor for it. The descriptor's media type
    /// is the manifest's own (an OCI manifest when unset) and it carries the artifact type.
    public func encoded() throws(OCIError) -> EncodedContent {
        try OCIJSON.encodedContent(self, mediaType: mediaType ?? .ociManifest, artifactType: artifactType)
    }
}
