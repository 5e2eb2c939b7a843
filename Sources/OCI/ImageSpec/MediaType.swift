/// The media type of a blob or document, as descriptors and manifests name it
/// (`application/vnd.oci.image.manifest.v1+json`).
///
/// Unknown media types decode fine and keep their text; the helpers below classify the
/// OCI and Docker v2 schema 2 types swiftbuild reads and writes.
public struct MediaType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// How a layer blob is compressed.
    public enum Compression: String, Sendable, Hashable, CaseIterable {
        /// A plain tar stream. (Compare with `Compression.none`: a bare `.none` against
        /// ``MediaType/layerCompression`` means "not a layer".)
        case none
        /// A gzip-compressed tar stream.
        case gzip
        /// A zstd-compressed tar stream.
        case zstd
    }

    /// The media type text.
    public var rawValue: String

    /// Wraps media type text as it appears in a document.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Wraps a media type literal.
    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

// MARK: - OCI image-spec media types

extension MediaType {
    /// An OCI image manifest.
    public static let ociManifest: MediaType = "application/vnd.oci.image.manifest.v1+json"
    /// An OCI image index.
    public static let ociIndex: MediaType = "application/vnd.oci.image.index.v1+json"
    /// An OCI image configuration.
    public static let ociConfig: MediaType = "application/vnd.oci.image.config.v1+json"
    /// An OCI layer, uncompressed tar.
    public static let ociLayer: MediaType = "application/vnd.oci.image.layer.v1.tar"
    /// An OCI layer, gzip-compressed tar.
    public static let ociLayerGzip: MediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
    /// An OCI layer, zstd-compressed tar.
    public static let ociLayerZstd: MediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
    /// A non-distributable OCI layer, uncompressed (deprecated by the spec; read only).
    public static let ociNondistributableLayer: MediaType = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    /// A non-distributable OCI layer, gzip-compressed (deprecated by the spec; read only).
    public static let ociNondistributableLayerGzip: MediaType =
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    /// A non-distributable OCI layer, zstd-compressed (deprecated by the spec; read only).
    public static let ociNondistributableLayerZstd: MediaType =
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
    /// The empty JSON object `{}`, used as the config of artifacts that have none.
    public static let ociEmptyJSON: MediaType = "application/vnd.oci.empty.v1+json"
    /// The `oci-layout` file at the root of an image layout.
    public static let ociLayoutHeader: MediaType = "application/vnd.oci.layout.header.v1+json"

    /// The OCI layer media type for a compression.
    public static func ociLayer(_ compression: Compression) -> MediaType {
        switch compression {
        case .none: return .ociLayer
        case .gzip: return .ociLayerGzip
        case .zstd: return .ociLayerZstd
        }
    }
}

// MARK: - Docker image manifest v2 schema 2 media types

extension MediaType {
    /// A Docker v2 schema 2 image manifest.
    public static let dockerManifest: MediaType = "application/vnd.docker.distribution.manifest.v2+json"
    /// A Docker v2 schema 2 manifest list (the Docker counterpart of an image index).
    public static let dockerManifestList: MediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// A Docker container image configuration.
    public static let dockerConfig: MediaType = "application/vnd.docker.container.image.v1+json"
    /// A Docker layer, gzip-compressed tar.
    public static let dockerLayerGzip: MediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    /// A Docker foreign (non-distributable) layer, gzip-compressed tar; read only.
    public static let dockerForeignLayerGzip: MediaType = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
}

// MARK: - Classification

extension MediaType {
    /// True for an image manifest (OCI or Docker v2 schema 2).
    public var isManifest: Bool {
        self == .ociManifest || self == .dockerManifest
    }

    /// True for an image index (OCI) or manifest list (Docker).
    public var isIndex: Bool {
        self == .ociIndex || self == .dockerManifestList
    }

    /// True for an image configuration (OCI or Docker).
    public var isConfig: Bool {
        self == .ociConfig || self == .dockerConfig
    }

    /// True for any layer media type swiftbuild can unpack.
    public var isLayer: Bool {
        layerCompression != nil
    }

    /// True for the layer types whose content may not be pushed to other registries.
    public var isNondistributableLayer: Bool {
        switch self {
        case .ociNondistributableLayer, .ociNondistributableLayerGzip, .ociNondistributableLayerZstd,
            .dockerForeignLayerGzip:
            return true
        default:
            return false
        }
    }

    /// The compression of a layer media type, or nil when this is not a layer type.
    public var layerCompression: Compression? {
        switch self {
        case .ociLayer, .ociNondistributableLayer:
            return Compression.none
        case .ociLayerGzip, .ociNondistributableLayerGzip, .dockerLayerGzip, .dockerForeignLayerGzip:
            return .gzip
        case .ociLayerZstd, .ociNondistributableLayerZstd:
            return .zstd
        default:
            return nil
        }
    }
}
