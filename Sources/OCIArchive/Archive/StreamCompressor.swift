/// A compressor between a producer of bytes and a sink: ``write(_:)`` takes the stream in
/// order, in chunks of any size, and ``finish()`` ends it and hands the sink everything
/// that is left. ``LayerPacker`` picks one per ``LayerCompression``: a
/// ``ParallelGzipWriter`` for gzip, a ``CompressingWriter`` (libarchive) otherwise.
protocol StreamCompressor: AnyObject {
    /// Compresses `bytes`, handing whatever compressed output is ready to the sink.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError)

    /// Ends the compressed stream and flushes it to the sink.
    func finish() throws(ArchiveError)
}
