import CArchive
import Glibc
import System

/// Streams the entries of a tar archive through libarchive: one header at a time, each
/// regular file's data in chunks the caller's buffer holds, so memory stays flat whatever
/// the archive's size.
///
/// Compression is detected from the content: gzip, zstd, bzip2, xz or none. Only built-in
/// decompressors are enabled (not `archive_read_support_filter_all`, which would run
/// external programs such as `lrzip` for some formats).
///
///     let reader = try TarReader(path: "layer.tar.gz")
///     while let entry = try reader.nextEntry() {
///         while try reader.readData(into: buffer) > 0 { ... }
///     }
public final class TarReader {
    /// The archive's name in errors: its path, or the name given with the descriptor.
    public let name: String
    private let handle: OpaquePointer
    private let input: ArchiveInput?
    private var lastEntry: String?
    /// The size the current entry's header gives (a sparse file's logical size).
    private var currentEntrySize: Int64 = 0

    /// Opens the archive at `path`.
    public convenience init(path: String) throws(ArchiveError) {
        try self.init(name: path, decompress: true, input: nil) { handle in
            archive_read_open_filename(handle, path, 128 * 1024)
        }
    }

    /// Reads the archive from `descriptor`, which stays open and owned by the caller;
    /// `name` names the archive in errors.
    public convenience init(fileDescriptor descriptor: Int32, name: String) throws(ArchiveError) {
        try self.init(name: name, decompress: true, input: nil) { handle in
            archive_read_open_fd(handle, descriptor, 128 * 1024)
        }
    }

    /// Reads an uncompressed tar stream from `source`, e.g. a ``DecompressedStream``.
    convenience init(source: any ArchiveInputSource, name: String) throws(ArchiveError) {
        let input = ArchiveInput(source)
        try self.init(name: name, decompress: false, input: input) { handle in input.open(handle) }
    }

    private init(
        name: String,
        decompress: Bool,
        input: ArchiveInput?,
        open: (OpaquePointer) -> Int32
    ) throws(ArchiveError) {
        guard let handle = archive_read_new() else {
            throw ArchiveError(.open, archive: name, message: "archive_read_new failed")
        }
        self.name = name
        self.handle = handle
        self.input = input
        if decompress {
            ArchiveFilters.enableDecompression(on: handle)
        }
        archive_read_support_format_tar(handle)
        guard open(handle) == ARCHIVE_OK else {
            throw input?.failure?.reported(as: .open, archive: name, entry: nil)
                ?? ArchiveError(.open, archive: name, handle: handle)
        }
    }

    deinit {
        archive_read_free(handle)
    }

    /// The next entry's header, or nil after the last entry. The previous entry's unread
    /// data is skipped.
    public func nextEntry() throws(ArchiveError) -> TarEntry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        // ARCHIVE_WARN is a header libarchive could use, e.g. a name it could not convert
        // to the (C) locale's charset; the name's raw bytes are kept.
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw failure(.readHeader, entry: lastEntry)
        }
        do {
            let converted = try TarEntry(reading: entry)
            lastEntry = converted.path.description
            currentEntrySize = converted.size
            return converted
        } catch {
            throw ArchiveError(.readHeader, archive: name, entry: lastEntry, message: error.message)
        }
    }

    /// Reads the current entry's next chunk of data into `buffer`; 0 at the end of the data.
    public func readData(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        guard count >= 0 else { throw failure(.readData, entry: lastEntry) }
        return count
    }

    /// Why copying an entry's data out failed: reading the archive, or writing the copy.
    public enum DataCopyError: Error, Sendable {
        case read(ArchiveError)
        case write(SystemError)
    }

    /// Writes the rest of the current entry's data to the regular file `descriptor`, which
    /// must be empty: each block at its offset, so the holes of a sparse entry stay holes
    /// (a small archive can claim a file of terabytes), and the file is then extended to the
    /// entry's size. With a `budget`, the bytes written are counted against it first.
    /// `buffer` is unused: libarchive hands out its own blocks.
    public func copyData(
        to descriptor: Int32, using buffer: UnsafeMutableRawBufferPointer,
        budget: DiskBudget? = nil
    ) throws(DataCopyError) {
        var end: Int64 = 0
        while true {
            var block: UnsafeRawPointer?
            var count = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(handle, &block, &count, &offset)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
                throw .read(failure(.readData, entry: lastEntry))
            }
            guard count > 0, let block else {
                end = max(end, Int64(offset))
                continue
            }
            do {
                try budget?.spend(Int64(count))
                try writeAll(descriptor, UnsafeRawBufferPointer(start: block, count: count), at: Int64(offset))
            } catch {
                throw .write(error)
            }
            end = max(end, Int64(offset) + Int64(count))
        }
        let size = max(end, currentEntrySize)
        if size > 0 {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw .write(.last("stat")) }
            if Int64(status.st_size) < size, ftruncate(descriptor, off_t(size)) != 0 {
                throw .write(.last("extend to \(size) bytes"))
            }
        }
    }

    private func failure(_ operation: ArchiveError.Operation, entry: String?) -> ArchiveError {
        input?.failure?.reported(as: operation, archive: name, entry: entry)
            ?? ArchiveError(operation, archive: name, entry: entry, handle: handle)
    }
}
