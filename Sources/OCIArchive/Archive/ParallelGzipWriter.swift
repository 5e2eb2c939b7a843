import CZlib
import Dispatch
import Glibc

/// Compresses a byte stream to gzip on several cores, as pigz does, and hands the
/// compressed bytes to a sink strictly in order.
///
/// The input is cut into blocks (of ``defaultBlockSize`` unless told otherwise). Each is deflated by zlib on
/// GCD's global queue as a ``DeflateBlock``: primed with the 32 KiB of input before it and
/// ended with a sync flush (the last with the end of the stream), so the concatenated
/// blocks form one deflate stream about as compact as a serial compressor's. The blocks'
/// CRC-32s are combined in order (`crc32_combine`) for the trailer.
///
/// Up to `blocksInFlight` blocks are compressing or queued at once (GCD runs about as many
/// as there are cores) while the writer fills one more; to send off another, the writer
/// first waits for the oldest and hands it to the sink. So memory is bounded by
/// `blocksInFlight + 1` blocks (each about twice the block size) whatever the input size.
/// The default, one block more than there are cores, keeps a block queued so that a worker
/// finishing early starts on it at once instead of idling until the oldest block (which
/// must go to the sink first) is done. With 1, the blocks compress one at a time. A writer
/// given up before ``finish()`` leaves its in-flight blocks to complete on their own; they
/// free themselves.
///
/// Equal input at an equal level gives equal output, whatever the blocks in flight and
/// however the input is split into ``write(_:)`` calls: a block's output depends only on
/// its input and dictionary, and the header carries no timestamp and no file name.
final class ParallelGzipWriter: StreamCompressor {
    /// The input per block. Bigger blocks amortize the dictionary and the flush better and
    /// use more memory; this measured fastest on the layer benchmark (256 KiB and 512 KiB
    /// were within a few percent).
    static let defaultBlockSize = 1024 * 1024

    /// One more than the online processors.
    static var defaultBlocksInFlight: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 1 }

    private let name: String
    private let sink: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    /// A ring: the block being filled is `current`, the `pending` ones before it are in
    /// flight (the oldest first), the others are free.
    private let blocks: [DeflateBlock]
    private var current = 0
    private var pending = 0
    /// The CRC-32 of the blocks handed to the sink.
    private var crc: UInt = 0
    /// The input size modulo 2^32, as the trailer records it.
    private var size: UInt32 = 0
    /// The first error: the stream is broken, so every later call reports it again.
    private var failure: ArchiveError?

    /// A writer compressing at zlib `level` (0 to 9) in blocks of `blockSize` bytes (at
    /// least 32 KiB), at most `blocksInFlight` of them at once, handing its output to
    /// `sink`; `name` names the output in errors. The gzip header goes to the sink at once.
    init(
        level: Int,
        blocksInFlight: Int = defaultBlocksInFlight,
        blockSize: Int = defaultBlockSize,
        name: String,
        sink: @escaping (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        precondition(blocksInFlight > 0, "no block could be compressed")
        guard (0...9).contains(level) else {
            throw ArchiveError(.open, archive: name, message: "gzip compression level \(level) is not between 0 and 9")
        }
        self.name = name
        self.sink = sink
        blocks = try (0...blocksInFlight).map { _ throws(ArchiveError) in
            try DeflateBlock(level: level, capacity: blockSize, name: name)
        }
        // Magic, deflate, no flags, no modification time, no extra flags, Unix.
        try emit([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
    }

    /// Takes `bytes` into the stream, handing the sink whatever compressed blocks are
    /// ready; waits for the oldest block when all are in flight.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        try recordingFailure { () throws(ArchiveError) in
            var rest = bytes
            while !rest.isEmpty {
                // A full block is sent off only once more input comes: the last block
                // must end the deflate stream.
                if blocks[current].isFull {
                    try submitCurrent(finishing: false)
                }
                let taken = blocks[current].append(rest)
                rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            }
        }
    }

    /// Compresses the last block, hands the sink every block left and the gzip trailer.
    func finish() throws(ArchiveError) {
        try recordingFailure { () throws(ArchiveError) in
            try submitCurrent(finishing: true)
            while pending > 0 {
                try sinkOldest()
            }
            var trailer = [UInt8]()
            for value in [UInt32(truncatingIfNeeded: crc), size] {
                withUnsafeBytes(of: value.littleEndian) { trailer.append(contentsOf: $0) }
            }
            try emit(trailer)
        }
    }

    /// Hands the current block to a worker and moves on to the next, which starts with
    /// the current block's tail as its dictionary (unless `finishing`).
    private func submitCurrent(finishing: Bool) throws(ArchiveError) {
        if pending == blocks.count - 1 {
            try sinkOldest()  // the next block is the oldest: free it first
        }
        let block = blocks[current]
        size &+= UInt32(truncatingIfNeeded: block.count)
        DispatchQueue.global().async {
            block.compress(finishing: finishing)
            block.completion.signal()
        }
        pending += 1
        current = (current + 1) % blocks.count
        if !finishing {
            blocks[current].reset(after: block)
        }
    }

    /// Waits for the oldest compressing block and hands its output to the sink.
    private func sinkOldest() throws(ArchiveError) {
        let block = blocks[(current - pending + blocks.count) % blocks.count]
        pending -= 1
        block.completion.wait()
        if let message = block.failure {
            throw ArchiveError(.writeData, archive: name, message: "gzip: \(message)")
        }
        crc = crc32_combine(crc, block.crc, off_t(block.count))
        try sink(block.compressed)
    }

    /// Hands `bytes` (the header or the trailer) to the sink.
    private func emit(_ bytes: [UInt8]) throws(ArchiveError) {
        let sent = bytes.withUnsafeBytes { bytes in Result { () throws(ArchiveError) in try sink(bytes) } }
        try sent.get()
    }

    /// Runs `body` unless an earlier call failed, and remembers its error.
    private func recordingFailure(_ body: () throws(ArchiveError) -> Void) throws(ArchiveError) {
        if let failure { throw failure }
        do {
            try body()
        } catch {
            failure = error
            throw error
        }
    }
}
