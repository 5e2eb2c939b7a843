import CArchive

/// Compresses a byte stream with libarchive's zstd filter and hands the compressed bytes
/// to a sink, using the "raw" format (a filter without an archive format). With
/// ``Filter/none`` the bytes pass through unchanged. (gzip has its own compressor, the
/// ``ParallelGzipWriter``.)
final class CompressingWriter: StreamCompressor {
    /// The libarchive filter the bytes go through.
    enum Filter {
        /// None: the output is the input.
        case none
        /// zstd at `level`.
        case zstd(level: Int)
    }

    private let name: String
    private let handle: OpaquePointer
    private let output: ArchiveOutput
    private var finished = false

    /// A writer compressing with `filter`, handing its output to `sink`; `name` names the
    /// output in errors.
    init(
        filter: Filter,
        name: String,
        sink: @escaping (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        guard let handle = archive_write_new() else {
            throw ArchiveError(.open, archive: name, message: "archive_write_new failed")
        }
        self.name = name
        self.handle = handle
        self.output = ArchiveOutput(sink: sink)
        guard archive_write_set_format_raw(handle) == ARCHIVE_OK,
            configureFilter(filter) == ARCHIVE_OK,
            output.open(handle) == ARCHIVE_OK
        else { throw failure(.open) }
        // The raw format writes the data of one regular-file entry.
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_set_filetype(entry, UInt32(S_IFREG))
        archive_entry_set_pathname(entry, "layer")
        guard archive_write_header(handle, entry) == ARCHIVE_OK else { throw failure(.writeHeader) }
    }

    deinit {
        if finished {
            archive_write_free(handle)
        } else {
            output.abandon(handle)
        }
    }

    /// Compresses `bytes`, handing whatever compressed output is ready to the sink.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        var rest = bytes
        while !rest.isEmpty {
            let written = archive_write_data(handle, rest.baseAddress, rest.count)
            guard written > 0 else { throw failure(.writeData) }
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
        }
    }

    /// Ends the compressed stream and flushes it to the sink.
    func finish() throws(ArchiveError) {
        finished = true
        guard archive_write_close(handle) == ARCHIVE_OK else { throw failure(.finish) }
    }

    private func configureFilter(_ filter: Filter) -> Int32 {
        switch filter {
        case .none:
            return ARCHIVE_OK
        case .zstd(let level):
            guard archive_write_add_filter_zstd(handle) == ARCHIVE_OK else { return ARCHIVE_FATAL }
            return archive_write_set_filter_option(handle, "zstd", "compression-level", String(level))
        }
    }

    private func failure(_ operation: ArchiveError.Operation) -> ArchiveError {
        output.failure ?? ArchiveError(operation, archive: name, handle: handle)
    }
}
