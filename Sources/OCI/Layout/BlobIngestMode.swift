/// How ``OCILayout/ingestBlob(from:mode:expectedDigest:expectedSize:)`` takes in a file.
public enum BlobIngestMode: Sendable, Hashable {
    /// Copy the file into the layout; the source stays as it was.
    case copy
    /// Rename the file into the layout (falling back to a copy and removing the source
    /// when it is on another file system). The blob keeps the file's permissions.
    case move
    /// As ``move``, without reading the file: its digest and size are the expected ones
    /// the caller passes, which must be what it computed as it wrote the file (a layer
    /// packer hashes its blob on the way out), so hashing it again would only cost time.
    case adopt
}
