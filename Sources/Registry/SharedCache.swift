import OCI

/// The build cache as a registry holds it (`--cache-to`/`--cache-from type=registry`): an
/// OCI manifest whose config (media type ``mediaType``) lists the cache records and whose
/// layers are the snapshots those records name, as ordinary layer blobs.
public struct SharedCache: Codable, Sendable, Equatable {
    /// The config blob's media type.
    public static let mediaType: MediaType = "application/vnd.swiftbuild.cache.config.v1+json"

    /// One cache record: a step's key and what the step left behind.
    public struct Entry: Codable, Sendable, Equatable {
        /// The step's cache key.
        public var key: Digest
        /// The diff ID of the layer the step made; nil when it changed no file.
        public var diffID: Digest?
        /// When the step first ran (RFC 3339).
        public var created: String?
        /// The layer blob holding that diff ID, one of the manifest's layers.
        public var layer: Descriptor?

        public init(key: Digest, diffID: Digest?, created: String?, layer: Descriptor?) {
            self.key = key
            self.diffID = diffID
            self.created = created
            self.layer = layer
        }
    }

    /// The records, sorted by key.
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.key < $1.key }
    }
}
