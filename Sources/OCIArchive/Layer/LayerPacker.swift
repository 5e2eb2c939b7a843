import Glibc
import OCI
import System

/// Packs a snapshot directory in overlayfs form into an OCI layer blob.
///
/// The tree is walked through descriptors (never following a symlink), each directory's
/// entries in byte order of their names, and written as a restricted-PAX tar with OCI
/// whiteouts (see ``SnapshotEntryWriter`` for the conversions). The tar streams in one
/// pass through a chain of fixed buffers: its bytes are hashed (the diff ID) and
/// compressed (gzip on every core, see ``ParallelGzipWriter``), and the compressed bytes
/// are hashed (the blob digest) and written to the output file. No file is read twice and
/// the layer is never held in memory.
///
/// Packing the same tree twice gives the same bytes: entries are sorted, times are whole
/// seconds (clamped to `sourceDateEpoch` when set), user and group names are left out,
/// and the gzip header carries no timestamp.
public struct LayerPacker: Sendable {
    /// How the blob is compressed.
    public var compression: LayerCompression
    /// When set, later modification times are clamped to it (seconds since the epoch), as
    /// the `SOURCE_DATE_EPOCH` convention asks; the caller reads the environment.
    public var sourceDateEpoch: Int?

    /// A packer with gzip level 6 by default and no clamping.
    public init(compression: LayerCompression = .gzip(), sourceDateEpoch: Int? = nil) {
        self.compression = compression
        self.sourceDateEpoch = sourceDateEpoch
    }

    /// Packs the tree below `directory` (not the directory itself) into a new blob at
    /// `outputPath` (outside that tree), replacing any file there, and returns its digests
    /// and sizes. The caller makes the blob durable (fsync, rename) as its store requires.
    /// On failure the output file is removed.
    public func pack(directory: String, to outputPath: String) throws(LayerPackingError) -> LayerBlob {
        let rootFile = FileDescriptor(adopting: open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        let root = rootFile.rawValue
        guard root >= 0 else { throw .filesystem(path: "", .last("open \(directory)")) }
        let outputFile = FileDescriptor(adopting: open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644))
        guard outputFile.rawValue >= 0 else { throw .output(path: outputPath, .last("create")) }
        do {
            return try pack(root: root, into: outputFile.rawValue, named: outputPath)
        } catch {
            unlink(outputPath)
            throw error
        }
    }

    private func pack(root: Int32, into output: Int32, named outputPath: String) throws(LayerPackingError) -> LayerBlob {
        var blobDigester = SHA256Digester()
        let compressor = try archiving { () throws(ArchiveError) in
            try makeCompressor(name: outputPath) { bytes throws(ArchiveError) in
                blobDigester.update(bytes)
                do throws(SystemError) {
                    try writeAll(output, bytes)
                } catch {
                    throw ArchiveError(.writeData, archive: outputPath, message: error.description)
                }
            }
        }
        var tarDigester = SHA256Digester()
        try writeTar(root: root, name: outputPath) { bytes throws(ArchiveError) in
            tarDigester.update(bytes)
            try compressor.write(bytes)
        }
        try archiving { () throws(ArchiveError) in try compressor.finish() }
        return LayerBlob(
            diffID: tarDigester.finalize(),
            digest: blobDigester.finalize(),
            size: blobDigester.byteCount,
            uncompressedSize: tarDigester.byteCount
        )
    }

    /// Writes the layer blob at `blobPath` (any compression libarchive reads, or none)
    /// compressed as ``compression`` to a new blob at `outputPath`, replacing any file
    /// there, and returns its digests and sizes; on failure the output file is removed.
    /// The tar inside is copied byte for byte, so the diff ID stays the blob's: this is how
    /// a base image's layer changes its compression (`force-compression`), where packing its
    /// snapshot again could give another tar.
    public func recompress(blobAt blobPath: String, to outputPath: String) throws(LayerPackingError) -> LayerBlob {
        let inputFile = FileDescriptor(adopting: open(blobPath, O_RDONLY | O_CLOEXEC))
        guard inputFile.rawValue >= 0 else { throw .filesystem(path: blobPath, .last("open")) }
        let outputFile = FileDescriptor(adopting: open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644))
        guard outputFile.rawValue >= 0 else { throw .output(path: outputPath, .last("create")) }
        do {
            var blobDigester = SHA256Digester()
            let output = outputFile.rawValue
            let compressor = try archiving { () throws(ArchiveError) in
                try makeCompressor(name: outputPath) { bytes throws(ArchiveError) in
                    blobDigester.update(bytes)
                    do throws(SystemError) {
                        try writeAll(output, bytes)
                    } catch {
                        throw ArchiveError(.writeData, archive: outputPath, message: error.description)
                    }
                }
            }
            let tar = try archiving { () throws(ArchiveError) in
                let stream = try DecompressedStream(descriptor: inputFile.rawValue, name: blobPath)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
                defer { buffer.deallocate() }
                while true {
                    let count = try stream.read(into: buffer)
                    if count == 0 { break }
                    try compressor.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
                try stream.drain(using: buffer)
                try compressor.finish()
                return stream.decompressed
            }
            return LayerBlob(
                diffID: tar.finalize(), digest: blobDigester.finalize(), size: blobDigester.byteCount,
                uncompressedSize: tar.byteCount)
        } catch {
            unlink(outputPath)
            throw error
        }
    }

    /// The compressor for ``compression``: gzip on every core, zstd (or nothing) through
    /// libarchive.
    private func makeCompressor(
        name: String,
        sink: @escaping (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) -> any StreamCompressor {
        switch compression {
        case .none:
            try CompressingWriter(filter: .none, name: name, sink: sink)
        case .gzip(let level):
            try ParallelGzipWriter(level: level, name: name, sink: sink)
        case .zstd(let level):
            try CompressingWriter(filter: .zstd(level: level), name: name, sink: sink)
        }
    }

    /// The diff ID of the tree below `directory`: the sha256 of the tar ``pack(directory:to:)``
    /// would write for it, computed without compressing or writing anything.
    public func diffID(of directory: String) throws(LayerPackingError) -> Digest {
        let rootFile = FileDescriptor(adopting: open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        let root = rootFile.rawValue
        guard root >= 0 else { throw .filesystem(path: "", .last("open \(directory)")) }
        var tarDigester = SHA256Digester()
        try writeTar(root: root, name: directory) { bytes throws(ArchiveError) in tarDigester.update(bytes) }
        return tarDigester.finalize()
    }

    /// Streams the layer tar of the tree at `root` through `sink`.
    private func writeTar(
        root: Int32, name: String,
        sink: @escaping (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    ) throws(LayerPackingError) {
        let writer = try archiving { () throws(ArchiveError) in try TarWriter(name: name, sink: sink) }
        let entries = SnapshotEntryWriter(writer: writer, sourceDateEpoch: sourceDateEpoch)
        try entries.writeRootMarker(root: root)
        try SortedTreeWalker(root: root).walk { node throws(LayerPackingError) in
            try entries.write(node)
        }
        try archiving { () throws(ArchiveError) in try writer.finish() }
    }

    private func archiving<Result>(_ body: () throws(ArchiveError) -> Result) throws(LayerPackingError) -> Result {
        do {
            return try body()
        } catch {
            throw .archive(error)
        }
    }
}
