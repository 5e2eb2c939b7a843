/// The `rootfs` object of an image configuration: the uncompressed digests (diff IDs) of
/// the layers, base first.
public struct RootFS: Sendable, Hashable, Codable {
    /// Always `layers`.
    public var type: String
    /// The sha256 of each layer's uncompressed tar, in manifest order.
    public var diffIDs: [Digest]

    /// A `layers` root filesystem with the given diff IDs.
    public init(type: String = "layers", diffIDs: [Digest] = []) {
        self.type = type
        self.diffIDs = diffIDs
    }

    enum CodingKeys: String, CodingKey {
        case type
        case diffIDs = "diff_ids"
    }
}
