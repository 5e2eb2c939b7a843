/// A JSON document encoded by ``OCIJSON`` together with the descriptor that addresses
/// it, ready to be written as a blob and referenced from a manifest or index.
public struct EncodedContent: Sendable, Equatable {
    /// The encoded bytes.
    public var bytes: [UInt8]
    /// The media type, sha256 digest and size of ``bytes``.
    public var descriptor: Descriptor

    /// Pairs bytes with their descriptor.
    public init(bytes: [UInt8], descriptor: Descriptor) {
        self.bytes = bytes
        self.descriptor = descriptor
    }
}
