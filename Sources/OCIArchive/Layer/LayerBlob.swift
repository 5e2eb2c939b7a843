import OCI

/// What identifies a layer: the digests and sizes of its blob and of the tar inside.
public struct LayerBlob: Sendable, Hashable {
    /// The sha256 of the uncompressed tar stream: the image config's `rootfs.diff_ids` entry.
    public var diffID: Digest
    /// The sha256 of the blob as stored (compressed): the layer descriptor's `digest`.
    public var digest: Digest
    /// The blob's size in bytes: the layer descriptor's `size`.
    public var size: Int64
    /// The size of the uncompressed tar stream in bytes.
    public var uncompressedSize: Int64

    /// A layer's digests and sizes.
    public init(diffID: Digest, digest: Digest, size: Int64, uncompressedSize: Int64) {
        self.diffID = diffID
        self.digest = digest
        self.size = size
        self.uncompressedSize = uncompressedSize
    }
}
