import Glibc
import System

/// Why a layer could not be extracted. Each case names the layer and, once reading has
/// started, the entry; the target directory is left empty.
public enum LayerExtractionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The layer cannot be read: I/O error, unknown compression, a truncated stream, not a
    /// tar. The archive error names the layer and the entry.
    case unreadable(ArchiveError)
    /// The entry's path, or the target of its hard link (`path`), would leave the target
    /// directory.
    case unsafePath(layer: String, entry: String, path: String, reason: UnsafePathReason)
    /// Creating the entry, or giving it its owner, mode, attributes or time, failed.
    case filesystem(layer: String, entry: String, SystemError)
    /// The target directory cannot be opened or is not empty.
    case target(directory: String, SystemError)
    /// The target directory cannot be emptied after the extraction failed with `after`.
    indirect case emptying(directory: String, SystemError, after: LayerExtractionError)

    public var description: String {
        switch self {
        case .unreadable(let error):
            return "cannot read layer \(error)"
        case .unsafePath(let layer, let entry, let path, let reason):
            let subject = path == entry ? "its path" : "its link target '\(path)'"
            return "layer \(layer): entry '\(entry)' refused: \(subject) \(reason)"
        case .filesystem(let layer, let entry, let error):
            return "layer \(layer): entry '\(entry)': \(error)"
        case .target(let directory, let error):
            return "extraction directory \(directory): \(error)"
        case .emptying(let directory, var error, let failure):
            error.operation = "\(error.operation), emptying it after: \(failure)"
            return "extraction directory \(directory): \(error)"
        }
    }
}

extension LayerExtractionError {
    /// The extractor's `failure`, named after `layer`.
    init(_ failure: ExtractionFailure, layer: String) {
        switch failure {
        case .unreadable(let error):
            self = .unreadable(error)
        case .unsafe(let entry, let path, let reason):
            self = .unsafePath(layer: layer, entry: entry.description, path: path.description, reason: reason)
        case .system(let entry, _, _, let error):
            self = .filesystem(layer: layer, entry: entry.description, error)
        // The layer policy replaces what is in the way and makes missing directories, so
        // these two only come from other policies; worded as the system would.
        case .notADirectory(let entry, _, _):
            self = .filesystem(layer: layer, entry: entry.description, SystemError(operation: "open directory", code: ENOTDIR))
        case .cannotReplaceDirectory(let entry, _):
            self = .filesystem(layer: layer, entry: entry.description, SystemError(operation: "replace a directory", code: EISDIR))
        }
    }
}
