import CArchive

/// A libarchive read or write that failed, naming the archive and the entry it was at.
public struct ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done when it failed.
    public enum Operation: Sendable, Equatable {
        /// Opening the archive, or setting up its filters and format.
        case open
        /// Reading an entry's header. `entry` names the entry before it.
        case readHeader
        /// Reading the data of `entry`.
        case readData
        /// Writing the header of `entry`.
        case writeHeader
        /// Writing the data of `entry`.
        case writeData
        /// Flushing and closing the archive.
        case finish
    }

    /// What was being done.
    public var operation: Operation
    /// The archive: its file path, or the name the caller gave the stream.
    public var archive: String
    /// The entry being read or written; for ``Operation/readHeader`` the last entry read
    /// before the failure (nil when the first header failed).
    public var entry: String?
    /// libarchive's message, or the system's for I/O on a descriptor.
    public var message: String

    /// An error with an explicit message.
    public init(_ operation: Operation, archive: String, entry: String? = nil, message: String) {
        self.operation = operation
        self.archive = archive
        self.entry = entry
        self.message = message
    }

    /// An error with the message libarchive recorded on `handle`.
    init(_ operation: Operation, archive: String, entry: String? = nil, handle: OpaquePointer) {
        let message = archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
        self.init(operation, archive: archive, entry: entry, message: message)
    }

    /// This error moved to another archive and entry, keeping its message: how a failure in
    /// a stream feeding a reader is reported as a failure of that reader.
    func reported(as operation: Operation, archive: String, entry: String?) -> ArchiveError {
        ArchiveError(operation, archive: archive, entry: entry, message: message)
    }

    public var description: String {
        let entryName = entry.map { "'\($0)'" }
        switch operation {
        case .open:
            return "\(archive): cannot open: \(message)"
        case .readHeader:
            let position = entryName.map { "the entry after \($0)" } ?? "the first entry"
            return "\(archive): reading \(position): \(message)"
        case .readData:
            return "\(archive): entry \(entryName ?? "?"): reading data: \(message)"
        case .writeHeader:
            return "\(archive): entry \(entryName ?? "?"): writing header: \(message)"
        case .writeData:
            return "\(archive): \(entryName.map { "entry \($0): " } ?? "")writing data: \(message)"
        case .finish:
            return "\(archive): finishing the archive: \(message)"
        }
    }
}
