import CArchive

/// The client data behind libarchive's write callback: the sink that receives the bytes.
/// The writer that opened the archive keeps it alive until it frees the archive.
final class ArchiveOutput {
    /// Receives each block the archive produces.
    let sink: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    /// What the sink threw; libarchive only learns that the write failed.
    private(set) var failure: ArchiveError?
    private var isDiscarding = false

    /// An output handing every block to `sink`.
    init(sink: @escaping (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) {
        self.sink = sink
    }

    /// Opens `archive` on this output, with 64 KiB blocks and no padding after the last
    /// one (libarchive pads to a full block by default, which a layer must not have);
    /// libarchive's status code.
    func open(_ archive: OpaquePointer) -> Int32 {
        archive_write_set_bytes_per_block(archive, 64 * 1024)
        archive_write_set_bytes_in_last_block(archive, 1)
        return archive_write_open(archive, Unmanaged.passUnretained(self).toOpaque(), nil, archiveOutputWrite, nil)
    }

    /// Closes and frees `archive` without handing the sink anything more: how an archive
    /// that was not finished (after an error, or abandoned) is released. It is closed
    /// explicitly because `archive_write_free` skips the close, and so leaks the block
    /// buffer, once the archive is in libarchive's fatal state.
    func abandon(_ archive: OpaquePointer) {
        isDiscarding = true
        archive_write_close(archive)
        archive_write_free(archive)
    }

    fileprivate func accept(_ bytes: UnsafeRawBufferPointer) -> Int {
        if isDiscarding { return bytes.count }
        do {
            try sink(bytes)
            return bytes.count
        } catch {
            failure = error
            return Int(ARCHIVE_FATAL)
        }
    }
}

private func archiveOutputWrite(
    _ archive: OpaquePointer?,
    _ clientData: UnsafeMutableRawPointer?,
    _ bytes: UnsafeRawPointer?,
    _ length: Int
) -> la_ssize_t {
    Unmanaged<ArchiveOutput>.fromOpaque(clientData!).takeUnretainedValue()
        .accept(UnsafeRawBufferPointer(start: bytes, count: length))
}
