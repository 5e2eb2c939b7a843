import CArchive
import Glibc
import OCI

/// A blob read from a descriptor and decompressed by libarchive (gzip, zstd, bzip2, xz or
/// none, detected by content), with the sha256 and size of both the bytes read and the
/// bytes produced, computed as they go by: one pass gives a layer's digest and diff ID.
///
/// It is libarchive's "raw" format (a filter without an archive format) used as the
/// ``ArchiveInputSource`` of a ``TarReader``, so the tar is parsed from exactly the bytes
/// that are hashed.
final class DecompressedStream: ArchiveInputSource {
    private let name: String
    private let handle: OpaquePointer
    private let file: DigestingFileInput
    private let input: ArchiveInput
    private var uncompressed = SHA256Digester()

    /// Starts decompressing what `descriptor` holds (not closed here); `name` names the
    /// blob in errors.
    init(descriptor: Int32, name: String) throws(ArchiveError) {
        guard let handle = archive_read_new() else {
            throw ArchiveError(.open, archive: name, message: "archive_read_new failed")
        }
        self.name = name
        self.handle = handle
        self.file = DigestingFileInput(descriptor: descriptor, name: name)
        self.input = ArchiveInput(file)
        ArchiveFilters.enableDecompression(on: handle)
        archive_read_support_format_raw(handle)
        guard input.open(handle) == ARCHIVE_OK else { throw failure(.open) }
        // The raw format's one entry is the whole stream. (Empty input fails the format
        // check in the open above.)
        var entry: OpaquePointer?
        guard archive_read_next_header(handle, &entry) == ARCHIVE_OK else { throw failure(.open) }
    }

    deinit {
        archive_read_free(handle)
    }

    /// Decompresses the next chunk into `buffer`; 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        guard count >= 0 else { throw failure(.readData) }
        uncompressed.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        return count
    }

    /// Reads what is left of the stream (a tar's padding after its end marker), so the
    /// digests cover all of it, and checks that it decompresses cleanly to its end.
    ///
    /// Bytes after the end of a compressed stream are refused, as Go's gzip reader (so
    /// containerd and BuildKit) refuses them: libarchive stops at the first bytes after a
    /// gzip member that do not start another member and would ignore them silently.
    func drain(using buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) {
        while try read(into: buffer) > 0 {}
        // The file's rest that libarchive did not ask for: hashed too, so the blob digest
        // is the whole file's either way.
        while try file.read(into: buffer) > 0 {}
        // One filter is the client's input; a second one decompresses.
        guard archive_filter_count(handle) > 1 else { return }
        let consumed = archive_filter_bytes(handle, -1)
        let total = Int64(file.digester.byteCount)
        if consumed < total {
            throw ArchiveError(
                .readData, archive: name,
                message: "\(total - consumed) bytes of trailing data after the end of the compressed stream (at offset \(consumed))")
        }
    }

    /// The sha256 and size of the bytes read from the descriptor so far.
    var compressed: SHA256Digester { file.digester }

    /// The sha256 and size of the decompressed bytes produced so far.
    var decompressed: SHA256Digester { uncompressed }

    private func failure(_ operation: ArchiveError.Operation) -> ArchiveError {
        input.failure?.reported(as: operation, archive: name, entry: nil)
            ?? ArchiveError(operation, archive: name, handle: handle)
    }
}
