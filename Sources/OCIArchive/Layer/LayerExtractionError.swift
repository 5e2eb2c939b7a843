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
    /// The target directory cannot be opened, is not empty, or cannot be emptied after a
    /// failure.
    case target(directory: String, SystemError)

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
        }
    }
}

/// A failure while extracting one entry, before the layer and entry names are added.
enum EntryFailure: Error {
    case unsafe(path: ArchivePath, UnsafePathReason)
    case system(SystemError)
    case archive(ArchiveError)
}
