import System

/// Why a directory could not be packed into a layer blob. The output file is removed.
public enum LayerPackingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reading `path` (relative to the packed directory; empty for the directory itself)
    /// failed.
    case filesystem(path: String, SystemError)
    /// The output file could not be created.
    case output(path: String, SystemError)
    /// Writing the tar, compressing it or writing the blob failed.
    case archive(ArchiveError)

    public var description: String {
        switch self {
        case .filesystem(let path, let error):
            return "packing layer: '\(path.isEmpty ? "." : path)': \(error)"
        case .output(let path, let error):
            return "packing layer: output \(path): \(error)"
        case .archive(let error):
            return "packing layer: \(error)"
        }
    }
}
