import CArchive
import Glibc
import System

/// Writes a tar archive through libarchive in restricted PAX format: plain ustar headers
/// where they suffice, a PAX extended header where an entry needs one (long or non-ASCII
/// names, large sizes or ids, extended attributes). Bytes go to a sink callback as they
/// are produced, in blocks of up to 64 KiB; nothing is buffered beyond one block.
///
/// Restricted PAX records sub-second modification times only for entries that get an
/// extended header anyway; writers that want reproducible output pass whole seconds.
/// User and group names are not written, only numeric ids.
///
///     let writer = try TarWriter(name: "layer.tar") { bytes in ... }
///     try writer.write(entry, dataFrom: fd)
///     try writer.finish()
public final class TarWriter {
    /// The archive's name in errors.
    public let name: String
    private let handle: OpaquePointer
    private let output: ArchiveOutput
    private let buffer: UnsafeMutableRawBufferPointer
    private var finished = false

    /// A writer handing the archive's bytes to `sink`; `name` names the archive in errors.
    /// An error `sink` throws ends the archive and comes back from the call that wrote.
    public init(
        name: String,
        sink: @escaping (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        guard let handle = archive_write_new() else {
            throw ArchiveError(.open, archive: name, message: "archive_write_new failed")
        }
        self.name = name
        self.handle = handle
        self.output = ArchiveOutput(sink: sink)
        self.buffer = .allocate(byteCount: 128 * 1024, alignment: 16)
        guard archive_write_set_format_pax_restricted(handle) == ARCHIVE_OK,
            output.open(handle) == ARCHIVE_OK
        else { throw failure(.open, entry: nil) }
    }

    deinit {
        if finished {
            archive_write_free(handle)
        } else {
            output.abandon(handle)
        }
        buffer.deallocate()
    }

    /// Writes `entry`'s header and, for a regular file, exactly `entry.size` bytes of data
    /// read from `descriptor` (left open, read from its current offset). A file that
    /// ends early is an error; bytes past `entry.size` are not read.
    public func write(_ entry: TarEntry, dataFrom descriptor: Int32? = nil) throws(ArchiveError) {
        let entryName = entry.path.description
        // ARCHIVE_WARN: the header was written, e.g. with `hdrcharset=BINARY` for a name
        // that is not ASCII (its bytes are kept as they are).
        let status = entry.withArchiveEntry { archive_write_header(handle, $0) }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
            throw failure(.writeHeader, entry: entryName)
        }
        guard entry.kind == .file, entry.size > 0 else { return }
        guard let descriptor else {
            throw ArchiveError(.writeData, archive: name, entry: entryName, message: "no data for a \(entry.size)-byte file")
        }
        var remaining = entry.size
        while remaining > 0 {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(buffer.count), remaining))])
            let count: Int
            do {
                count = try readSome(descriptor, into: chunk)
            } catch {
                throw ArchiveError(.writeData, archive: name, entry: entryName, message: error.description)
            }
            guard count > 0 else {
                throw ArchiveError(.writeData, archive: name, entry: entryName, message: "file ended \(remaining) bytes early")
            }
            try writeData(UnsafeRawBufferPointer(rebasing: chunk[..<count]), entry: entryName)
            remaining -= Int64(count)
        }
    }

    /// Writes the end-of-archive marker and flushes the last block to the sink.
    public func finish() throws(ArchiveError) {
        finished = true
        guard archive_write_close(handle) == ARCHIVE_OK else { throw failure(.finish, entry: nil) }
    }

    private func writeData(_ bytes: UnsafeRawBufferPointer, entry: String) throws(ArchiveError) {
        var rest = bytes
        while !rest.isEmpty {
            let written = archive_write_data(handle, rest.baseAddress, rest.count)
            guard written > 0 else { throw failure(.writeData, entry: entry) }
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
        }
    }

    private func failure(_ operation: ArchiveError.Operation, entry: String?) -> ArchiveError {
        output.failure ?? ArchiveError(operation, archive: name, entry: entry, handle: handle)
    }
}
