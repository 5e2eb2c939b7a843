import CZlib
import Dispatch

/// One block of a ``ParallelGzipWriter`` stream, with what it takes to compress it on a
/// worker thread: its own raw deflate stream, an input buffer that holds the block's
/// dictionary (the 32 KiB of input just before the block) followed by the block itself,
/// and an output buffer.
///
/// The block is compressed as a piece of one long deflate stream: primed with the
/// dictionary, so its matches may reach back into the previous block as a serial
/// compressor's would, and ended with a sync flush (which byte-aligns the output and
/// leaves the stream open) or, for the last block, with the final deflate block. The
/// blocks' outputs, concatenated in order, are therefore one valid deflate stream, and
/// each block's output depends only on its dictionary, its input and the level, never on
/// the thread that ran it or when.
///
/// `@unchecked Sendable`: the writer and one worker take turns with the block, so it needs
/// no lock. The writer fills it and hands it to a worker with `DispatchQueue.async`, which
/// orders the writer's writes before the worker's reads; the worker signals ``completion``
/// when it is done, and the writer touches the block's state again only after waiting on
/// that, which orders the worker's writes before the writer's reads. The one overlap is
/// ``reset(after:)`` copying the tail of an in-flight block's input into the next block:
/// the worker only reads that memory too.
final class DeflateBlock: @unchecked Sendable {
    /// The deflate window: how far back a match may refer, so how much input before the
    /// block is its dictionary.
    static let windowSize = 32 * 1024

    /// The most input the block holds.
    let capacity: Int
    /// Signalled (by whoever runs ``compress(finishing:)``) when compressing has ended.
    let completion = DispatchSemaphore(value: 0)
    /// How many bytes of input the block holds.
    private(set) var count = 0
    /// The CRC-32 of the block's input; set by ``compress(finishing:)``.
    private(set) var crc: UInt = 0
    /// Why ``compress(finishing:)`` failed, as zlib tells it; nil when it succeeded.
    private(set) var failure: String?

    private let stream: UnsafeMutablePointer<z_stream>
    /// `windowSize` bytes whose tail is the dictionary, then `capacity` bytes of input.
    private let buffer: UnsafeMutableRawBufferPointer
    private var dictionaryCount = 0
    private var output: UnsafeMutableRawBufferPointer
    private var compressedCount = 0

    /// An empty block for up to `capacity` bytes (at least ``windowSize``), compressed at
    /// zlib `level` (0 to 9); `name` names the stream in errors.
    init(level: Int, capacity: Int, name: String) throws(ArchiveError) {
        precondition(capacity >= Self.windowSize, "a block must hold a whole dictionary")
        self.capacity = capacity
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = swiftbuild_deflate_init_raw(stream, Int32(level))
        guard status == Z_OK else {
            let message = Self.message(status, stream)
            stream.deallocate()
            throw ArchiveError(.open, archive: name, message: "starting zlib's deflate at level \(level): \(message)")
        }
        buffer = .allocate(byteCount: Self.windowSize + capacity, alignment: 16)
        // Room for the whole block however incompressible it is (deflateBound), plus the
        // sync flush's empty stored block, so one deflate call always suffices.
        output = .allocate(byteCount: Int(deflateBound(stream, UInt(capacity))) + 64, alignment: 16)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        buffer.deallocate()
        output.deallocate()
    }

    /// Whether the block holds ``capacity`` bytes.
    var isFull: Bool { count == capacity }

    /// The compressed block; valid after ``compress(finishing:)`` succeeded.
    var compressed: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: output[..<compressedCount])
    }

    /// Empties the block for the input that follows `previous`, whose last ``windowSize``
    /// bytes become its dictionary (nil: the start of the stream, no dictionary).
    func reset(after previous: DeflateBlock?) {
        count = 0
        dictionaryCount = min(previous?.count ?? 0, Self.windowSize)
        if let previous, dictionaryCount > 0 {
            let tail = previous.input.baseAddress! + (previous.count - dictionaryCount)
            (input.baseAddress! - dictionaryCount).copyMemory(from: tail, byteCount: dictionaryCount)
        }
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

    /// Compresses the block's input: with a sync flush, or with the end of the deflate
    /// stream when `finishing`. Sets ``crc`` and ``compressed``, or ``failure``. Runs on a
    /// worker thread.
    func compress(finishing: Bool) {
        let data = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        crc = crc32(0, data, uInt(count))
        compressedCount = 0
        failure = nil
        var status = deflateReset(stream)
        if status == Z_OK, dictionaryCount > 0 {
            status = deflateSetDictionary(stream, data - dictionaryCount, uInt(dictionaryCount))
        }
        guard status == Z_OK else {
            failure = "resetting zlib's deflate: \(Self.message(status, stream))"
            return
        }
        stream.pointee.next_in = data
        stream.pointee.avail_in = uInt(count)
        let flush = finishing ? Z_FINISH : Z_SYNC_FLUSH
        while true {
            let room = output.count - compressedCount
            stream.pointee.next_out = (output.baseAddress! + compressedCount).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            status = deflate(stream, flush)
            compressedCount += room - Int(stream.pointee.avail_out)
            let done = finishing ? status == Z_STREAM_END : status == Z_OK && stream.pointee.avail_out > 0
            if done { return }
            guard status == Z_OK else {
                failure = "zlib's deflate: \(Self.message(status, stream))"
                return
            }
            // Out of room (zlib's bound proved too tight): grow and carry on.
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: output.count * 2, alignment: 16)
            grown.copyMemory(from: UnsafeRawBufferPointer(output))
            output.deallocate()
            output = grown
        }
    }

    /// Where the block's input starts, right after the dictionary area.
    private var input: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: buffer[Self.windowSize...])
    }

    /// zlib's message for `status`: the stream's own when it has one.
    private static func message(_ status: Int32, _ stream: UnsafeMutablePointer<z_stream>) -> String {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? String(cString: zError(status))
        return "\(detail) (status \(status))"
    }
}
