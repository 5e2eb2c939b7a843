/// How a layer blob is compressed.
public enum LayerCompression: Sendable, Hashable {
    /// A plain tar: the blob digest equals the diff ID.
    case none
    /// gzip, `level` 1 (fastest) to 9 (smallest); 6 is gzip's and Docker's default.
    /// Compressed on every core by libdeflate, one gzip member per 1 MiB block (OCIArchive's ParallelGzipWriter).
    case gzip(level: Int = 6)
    /// zstd, `level` 1 to 19 (20 to 22 need much more memory); 3 is zstd's default.
    case zstd(level: Int = 3)
}

extension LayerCompression {
    /// The OCI layer media type of a blob compressed this way.
    public var mediaType: MediaType {
        switch self {
        case .none: .ociLayer
        case .gzip: .ociLayerGzip
        case .zstd: .ociLayerZstd
        }
    }
}
