/// An image configuration: the platform, the defaults for running a container, the
/// layer diff IDs and the build history (OCI `application/vnd.oci.image.config.v1+json`,
/// Docker `application/vnd.docker.container.image.v1+json`).
///
/// Dates stay RFC 3339 strings so that they round-trip byte for byte. Unknown fields
/// (Docker's `container_config`, `docker_version`, ...) are ignored when decoding.
public struct ImageConfiguration: Sendable, Equatable, Codable {
    /// When the image was created, RFC 3339.
    public var created: String?
    /// Who created the image.
    public var author: String?
    /// The CPU architecture of the binaries in the image.
    public var architecture: String
    /// The operating system the image runs on.
    public var os: String
    /// The operating system version (JSON `os.version`).
    public var osVersion: String?
    /// Mandatory operating system features (JSON `os.features`).
    public var osFeatures: [String]?
    /// The CPU variant.
    public var variant: String?
    /// The defaults for running a container from the image.
    public var config: ContainerConfig?
    /// The uncompressed layer digests.
    public var rootfs: RootFS
    /// One entry per build step, including the ones that made no layer.
    public var history: [HistoryEntry]?

    /// A configuration from its parts.
    public init(
        created: String? = nil, author: String? = nil, architecture: String, os: String,
        osVersion: String? = nil, osFeatures: [String]? = nil, variant: String? = nil,
        config: ContainerConfig? = nil, rootfs: RootFS = RootFS(), history: [HistoryEntry]? = nil
    ) {
        self.created = created
        self.author = author
        self.architecture = architecture
        self.os = os
        self.osVersion = osVersion
        self.osFeatures = osFeatures
        self.variant = variant
        self.config = config
        self.rootfs = rootfs
        self.history = history
    }

    /// The platform fields of this configuration as a ``Platform``.
    public var platform: Platform {
        Platform(architecture: architecture, os: os, osVersion: osVersion, osFeatures: osFeatures, variant: variant)
    }

    /// The configuration as canonical JSON with a descriptor of the given media type.
    public func encoded(mediaType: MediaType = .ociConfig) throws(OCIError) -> EncodedContent {
        try OCIJSON.encodedContent(self, mediaType: mediaType)
    }

    enum CodingKeys: String, CodingKey {
        case created, author, architecture, os
        case osVersion = "os.version"
        case osFeatures = "os.features"
        case variant, config, rootfs, history
    }
}
