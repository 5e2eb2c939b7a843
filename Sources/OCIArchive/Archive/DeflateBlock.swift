import CDeflate
import Dispatch

/// One block of a ``ParallelGzipWriter`` stream, with what it takes to compress it on a
/// worker thread: a libdeflate compressor, an input buffer and an output buffer.
///
/// The block is compressed by libdeflate into one whole gzip member: swiftbuild's fixed
/// 10-byte header, the raw deflate stream of the block's input, and the trailer (the
/// input's CRC-32 and size). A gzip file may be a series of members (RFC 1952, 2.2), which
/// every reader of layers decompresses as one stream, so the blocks' members concatenated
/// in order are the compressed layer. libdeflate compresses whole buffers only (no
/// streaming, no preset dictionary), which is why each block is a member of its own rather
/// than a piece of one deflate stream; what a block loses by not reaching back into the
/// block before is less than what libdeflate's better parsing gains over zlib's (see
/// docs/performance.md). A block's output depends only on its input, the level and
/// libdeflate's version, never on the thread that ran it, when, or the CPU's features.
///
/// `@unchecked Sendable`: the writer and one worker take turns with the block, so it needs
/// no lock. The writer fills it and hands it to a worker with `DispatchQueue.async`, which
/// orders the writer's writes before the worker's reads; the worker signals ``completion``
/// when it is done, and the writer touches the block's state again only after waiting on
/// that, which orders the worker's writes before the writer's reads.
final class DeflateBlock: @unchecked Sendable {
    /// The member's header: magic, deflate, no flags, no modification time, no extra
    /// flags, Unix. Without a time or a name, equal input gives equal bytes.
    static let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
    /// The member's trailer: CRC-32 and input size, 4 bytes each.
    static let trailerSize = 8

    /// The most input the block holds.
    let capacity: Int
    /// Signalled (by whoever runs ``compress()``) when compressing has ended.
    let completion = DispatchSemaphore(value: 0)
    /// How many bytes of input the block holds.
    private(set) var count = 0
    /// Why ``compress()`` failed; nil when it succeeded.
    private(set) var failure: String?

    private let compressor: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private var compressedCount = 0

    /// An empty block for up to `capacity` bytes, compressed at libdeflate `level` (0 to
    /// 12; the writer allows zlib's 0 to 9); `name` names the stream in errors.
    init(level: Int, capacity: Int, name: String) throws(ArchiveError) {
        precondition(capacity > 0, "a block must hold some input")
        guard let compressor = libdeflate_alloc_compressor(Int32(level)) else {
            throw ArchiveError(
                .open, archive: name, message: "libdeflate refused a compressor at level \(level) (or memory ran out)")
        }
        self.compressor = compressor
        self.capacity = capacity
        input = .allocate(byteCount: capacity, alignment: 16)
        // libdeflate's bound holds the whole block however incompressible it is, so one
        // call always suffices.
        let bound = libdeflate_deflate_compress_bound(compressor, capacity)
        output = .allocate(byteCount: Self.header.count + bound + Self.trailerSize, alignment: 16)
    }

    deinit {
        libdeflate_free_compressor(compressor)
        input.deallocate()
        output.deallocate()
    }

    /// Whether the block holds ``capacity`` bytes.
    var isFull: Bool { count == capacity }

    /// The compressed block, a whole gzip member; valid after ``compress()`` succeeded.
    var compressed: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: output[..<compressedCount])
    }

    /// Empties the block for the input that follows.
    func reset() {
        count = 0
    }

    /// Appends as much of `bytes` as fits; how many bytes that was.
    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let taken = min(bytes.count, capacity - count)
        if taken > 0 {
            (input.baseAddress! + count).copyMemory(from: bytes.baseAddress!, byteCount: taken)
            count += taken
        }
        return taken
    }

    /// Compresses the block's input into one gzip member. Sets ``compressed`` or
    /// ``failure``. Runs on a worker thread.
    func compress() {
        compressedCount = 0
        failure = nil
        let start = output.baseAddress!
        start.copyMemory(from: Self.header, byteCount: Self.header.count)
        let room = output.count - Self.header.count - Self.trailerSize
        let deflated = libdeflate_deflate_compress(
            compressor, input.baseAddress, count, start + Self.header.count, room)
        guard deflated > 0 else {
            failure = "libdeflate's deflate of \(count) bytes did not fit in its own bound of \(room) bytes"
            return
        }
        let crc = libdeflate_crc32(0, input.baseAddress, count)
        // The size modulo 2^32, as RFC 1952 has it; a block is far smaller anyway.
        var trailer = (crc.littleEndian, UInt32(truncatingIfNeeded: count).littleEndian)
        withUnsafeBytes(of: &trailer) { bytes in
            (start + Self.header.count + deflated).copyMemory(from: bytes.baseAddress!, byteCount: Self.trailerSize)
        }
        compressedCount = Self.header.count + deflated + Self.trailerSize
    }
}
