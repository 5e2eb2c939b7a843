/// A blob now in an image layout: its digest and size, as a write or ingest reports them.
public struct StoredBlob: Sendable, Hashable {
    /// The blob's digest.
    public var digest: Digest
    /// The blob's size in bytes.
    public var size: Int64

    /// A stored blob from its digest and size.
    public init(digest: Digest, size: Int64) {
        self.digest = digest
        self.size = size
    }

    /// A descriptor of the blob with the given media type.
    public func descriptor(mediaType: MediaType) -> Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: size)
    }
}
