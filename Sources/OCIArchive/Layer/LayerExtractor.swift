import Glibc
import System

/// Extracts OCI layer blobs into snapshot directories, in overlayfs form: the one
/// ``TarExtractor`` with the ``ExtractionPolicy/layer`` policy.
///
/// - OCI whiteouts become what overlayfs uses: `dir/.wh.name` a char device 0:0 at
///   `dir/name` (mode 0, the entry's owner and time), `dir/.wh..wh..opq` the attribute
///   `trusted.overlay.opaque=y` on `dir`. Other `.wh..wh.` names are ignored. A whiteout
///   for a name this layer itself created is dropped: the layer's own file wins.
/// - Regular files, directories, symlinks, hard links (to entries of the same layer),
///   char and block devices and fifos keep their mode (setuid, setgid and sticky included),
///   numeric owner (no remapping) and modification time; directories get theirs after
///   their contents are in place. Directories the tar implies but does not list are
///   made with mode 0755, owned by the caller.
/// - Extended attributes are kept except `trusted.overlay.*` (only whiteouts make those).
///   As in Docker, one the file system refuses with `EPERM` or `ENOTSUP` is skipped.
/// - A later entry with the same path replaces the earlier one (a directory over a
///   directory only updates its attributes).
///
/// Security: every file operation is relative to the target directory's descriptor and
/// never follows a symlink (System's ``RootDirectory/openDirectoryNoFollow(_:creatingWithMode:)``), so an entry with an absolute name,
/// a `..` component, a path through a symlink, or a hard link to such a path is refused
/// with ``LayerExtractionError/unsafePath(layer:entry:path:reason:)``.
///
/// The blob is read once, through fixed buffers: it is decompressed, the uncompressed
/// bytes are hashed (the diff ID) and parsed as they stream, and the compressed bytes are
/// hashed too (the blob digest).
public enum LayerExtractor {
    /// Extracts the layer blob at `layerPath` (a gzip, zstd, bzip2, xz or plain tar,
    /// detected by content) into `directory`, which must exist and be empty, and returns
    /// the layer's digests and sizes. Must run as root (it sets owners, devices and
    /// `trusted.*` attributes).
    ///
    /// On failure the directory is emptied again, so nothing is left half-extracted. A
    /// truncated or corrupt stream is a failure even where it only cuts the tar's padding.
    ///
    /// - Parameter name: how errors name the layer (e.g. its digest); the path by default.
    public static func extract(layerAt layerPath: String, into directory: String, name: String? = nil)
        throws(LayerExtractionError) -> LayerBlob
    {
        let name = name ?? layerPath
        let rootFile = FileDescriptor(adopting: open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        let root = rootFile.rawValue
        guard root >= 0 else { throw .target(directory: directory, .last("open")) }
        do throws(SystemError) {
            guard try DirectoryListing.entryNames(root).isEmpty else {
                throw SystemError(operation: "extract into it", code: ENOTEMPTY)
            }
        } catch {
            throw .target(directory: directory, error)
        }
        let layerFile = FileDescriptor(adopting: open(layerPath, O_RDONLY | O_CLOEXEC))
        let layer = layerFile.rawValue
        guard layer >= 0 else {
            throw .unreadable(ArchiveError(.open, archive: name, message: SystemError.last("open").description))
        }
        do throws(LayerExtractionError) {
            let confined: RootDirectory
            do {
                confined = try RootDirectory(directory: root, displayedAs: directory)
            } catch {
                throw LayerExtractionError.target(directory: directory, error.withoutPath)
            }
            return try extract(reading: layer, named: name, into: confined, descriptor: root)
        } catch let failure {
            do {
                try RootDirectory.removeContents(of: root)
            } catch {
                throw .emptying(directory: directory, error, after: failure)
            }
            throw failure
        }
    }

    /// Reads the blob from `descriptor` once: decompressed, its uncompressed bytes hashed
    /// (the diff ID) and parsed as they stream, its compressed bytes hashed too (the digest).
    private static func extract(
        reading descriptor: Int32, named layer: String, into root: RootDirectory, descriptor rootDescriptor: Int32
    ) throws(LayerExtractionError) -> LayerBlob {
        func readingArchive<Result>(_ body: () throws(ArchiveError) -> Result) throws(LayerExtractionError) -> Result {
            do {
                return try body()
            } catch {
                throw .unreadable(error)
            }
        }
        let stream = try readingArchive { () throws(ArchiveError) in try DecompressedStream(descriptor: descriptor, name: layer) }
        let reader = try readingArchive { () throws(ArchiveError) in try TarReader(source: stream, name: layer) }
        let extractor = TarExtractor(root: root, descriptor: rootDescriptor, policy: .layer, budgetPath: "the extraction directory")
        do {
            try extractor.extract(from: reader)
        } catch {
            throw LayerExtractionError(error, layer: layer)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        try readingArchive { () throws(ArchiveError) in try stream.drain(using: buffer) }
        return LayerBlob(
            diffID: stream.decompressed.finalize(),
            digest: stream.compressed.finalize(),
            size: stream.compressed.byteCount,
            uncompressedSize: stream.decompressed.byteCount
        )
    }
}
