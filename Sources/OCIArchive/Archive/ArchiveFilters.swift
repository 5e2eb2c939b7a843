import CArchive

/// The decompressors swiftbuild reads with.
enum ArchiveFilters {
    /// Enables gzip, zstd, bzip2 and xz (and plain input) on a read handle, detected by
    /// content. These are the decompressors libarchive has built in; unlike
    /// `archive_read_support_filter_all`, none of them can start an external program.
    static func enableDecompression(on handle: OpaquePointer) {
        archive_read_support_filter_gzip(handle)
        archive_read_support_filter_zstd(handle)
        archive_read_support_filter_bzip2(handle)
        archive_read_support_filter_xz(handle)
    }
}
