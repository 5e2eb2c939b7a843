import Foundation
import System

/// Why a store operation failed; every case names the path, image or entry concerned.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// A system call failed (the error names the path).
    case system(SystemError)
    /// A name that cannot be a tag.
    case invalidName(String, reason: String)
    /// No image is tagged with this name.
    case imageNotFound(String)
    /// An image's content is not what it should be (missing blob, bad JSON, digest mismatch...).
    case invalidImage(String, reason: String)
    /// An input file or directory that is not an image archive or layout swiftbuild can read.
    case unreadableInput(path: String, reason: String)
    /// A layer could not be unpacked into a snapshot.
    case layer(path: String, reason: String)

    public var description: String {
        switch self {
        case .system(let error):
            return "\(error.path ?? ""): \(error.operation) failed: \(error.message)"
        case .invalidName(let name, let reason):
            return "invalid image name '\(name)': \(reason)"
        case .imageNotFound(let name):
            return "image '\(name)' is not in the store (see `swiftbuild images`)"
        case .invalidImage(let name, let reason):
            return "image \(name): \(reason)"
        case .unreadableInput(let path, let reason):
            return "\(path): \(reason)"
        case .layer(let path, let reason):
            return "layer \(path): \(reason)"
        }
    }
}

extension StoreError {
    /// The system call `operation` on `path` failed with `errno`.
    public static func io(path: String, operation: String, errno: Int32) -> StoreError {
        .system(SystemError(operation: operation, path: path, code: errno))
    }
}
