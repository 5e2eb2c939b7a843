import Glibc
import System

/// What went wrong reading or writing OCI documents, blobs and image layouts. Every case
/// names the file or digest involved; ``description`` is a message for the user.
public enum OCIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A JSON document could not be decoded or encoded; `what` names it.
    case invalidJSON(what: String, reason: String)
    /// A digest in the input could not be used.
    case invalidDigest(DigestError)
    /// `path` is not an OCI image layout (no or unreadable `oci-layout` file, ...).
    case notALayout(path: String, reason: String)
    /// The layout's `oci-layout` file names a version this code does not understand.
    case unsupportedLayoutVersion(path: String, version: String)
    /// A descriptor names a blob that is not in the layout.
    case blobMissing(digest: Digest, path: String)
    /// A blob's size differs from the one its descriptor promised.
    case blobSizeMismatch(digest: Digest, path: String, expected: Int64, actual: Int64)
    /// A blob's content does not hash to the digest its descriptor promised.
    case blobDigestMismatch(path: String, expected: Digest, actual: Digest)
    /// A blob is larger than the caller is willing to read into memory.
    case blobTooLarge(digest: Digest, size: Int64, limit: Int64)
    /// A file system operation failed for a reason of the layout's own (too large, not a
    /// regular file...).
    case io(operation: String, path: String, reason: String)
    /// A system call failed; the error names the operation and the path.
    case system(SystemError)
    /// No entry of the layout's index matches the reference.
    case referenceNotFound(reference: String, layout: String, available: [String])
    /// The reference matches several entries and nothing tells them apart.
    case ambiguousReference(reference: String, layout: String, candidates: [String])
    /// An index (or the `index.json` entries of one name) has no manifest for the requested
    /// platform; `source` says which.
    case noMatchingPlatform(source: String, requested: Platform, available: [Platform])
    /// A descriptor that should lead to an image names something else.
    case unsupportedMediaType(MediaType, digest: Digest)
    /// Indexes nest deeper than swiftbuild follows; `digest` is where it gave up.
    case indexNestingTooDeep(digest: Digest, limit: Int)

    /// A ``system(_:)`` error for the current `errno`.
    static func posix(_ operation: String, _ path: String, errno code: Int32 = errno) -> OCIError {
        .system(SystemError(operation: operation, path: path, code: code))
    }

    public var description: String {
        switch self {
        case .invalidJSON(let what, let reason):
            return "\(what): invalid JSON: \(reason)"
        case .invalidDigest(let error):
            return error.description
        case .notALayout(let path, let reason):
            return "\(path) is not an OCI image layout: \(reason)"
        case .unsupportedLayoutVersion(let path, let version):
            return "\(path): unsupported imageLayoutVersion '\(version)' (swiftbuild reads 1.x)"
        case .blobMissing(let digest, let path):
            return "blob \(digest) is missing: no file at \(path)"
        case .blobSizeMismatch(let digest, let path, let expected, let actual):
            return "blob \(digest) at \(path): expected \(expected) bytes, found \(actual)"
        case .blobDigestMismatch(let path, let expected, let actual):
            return "blob at \(path): digest mismatch: expected \(expected), content has \(actual)"
        case .blobTooLarge(let digest, let size, let limit):
            return "blob \(digest) is \(size) bytes, more than the \(limit) bytes allowed here"
        case .io(let operation, let path, let reason):
            return "\(operation) \(path): \(reason)"
        case .system(let error):
            return "\(error.operation) \(error.path ?? ""): \(error.message)"
        case .referenceNotFound(let reference, let layout, let available):
            let names = available.isEmpty ? "it has no tagged images" : "it has: \(available.joined(separator: ", "))"
            return "no image '\(reference)' in \(layout) (\(names))"
        case .ambiguousReference(let reference, let layout, let candidates):
            return "'\(reference)' matches several images in \(layout): \(candidates.joined(separator: ", "))"
        case .noMatchingPlatform(let source, let requested, let available):
            let offered = available.isEmpty ? "none declared" : available.map(\.description).joined(separator: ", ")
            return "\(source) has no manifest for \(requested) (platforms: \(offered))"
        case .unsupportedMediaType(let mediaType, let digest):
            return "\(digest) has media type \(mediaType), which is neither an image manifest nor an index"
        case .indexNestingTooDeep(let digest, let limit):
            return "index \(digest) nests more than \(limit) indexes deep"
        }
    }
}
