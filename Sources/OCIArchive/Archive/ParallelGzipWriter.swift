import Dispatch
import Glibc

/// Compresses a byte stream to gzip on several cores, and hands the compressed bytes to a
/// sink strictly in order.
///
/// The input is cut into blocks (of ``defaultBlockSize`` unless told otherwise). Each is
/// compressed by libdeflate on GCD's global queue as a ``DeflateBlock``, into a gzip member
/// of its own; the members, in order, are one gzip file (RFC 1952 allows a series of
/// members, and gzip, libarchive and Go's compress/gzip, so docker, containerd, skopeo,
/// umoci and podman, read it as one stream, as they read bgzip's files).
///
/// Up to `blocksInFlight` blocks are compressing or queued at once (GCD runs about as many
/// as there are cores) while the writer fills one more; to send off another, the writer
/// first waits for the oldest and hands it to the sink. So memory is bounded by
/// `blocksInFlight + 1` blocks (each about twice the block size, plus libdeflate's
/// compressor) whatever the input size. The default, one block more than there are cores,
/// keeps a block queued so that a worker finishing early starts on it at once instead of
/// idling until the oldest block (which must go to the sink first) is done. With 1, the
/// blocks compress one at a time. A writer given up before ``finish()`` leaves its
/// in-flight blocks to complete on their own; they free themselves.
///
/// Equal input at an equal level gives equal output, whatever the blocks in flight and
/// however the input is split into ``write(_:)`` calls: every block but the last is full,
/// a block's output depends only on its input, and the headers carry no timestamp and no
/// file name. An empty input is one empty member, so the output is always valid gzip.
final class ParallelGzipWriter: StreamCompressor {
    /// The input per block. Bigger blocks lose less to starting afresh (each block's
    /// matches reach back only inside it) and to member headers, and use more memory.
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
    /// The first error: the stream is broken, so every later call reports it again.
    private var failure: ArchiveError?

    /// A writer compressing at `level` (0 to 9, zlib's and BuildKit's range; libdeflate's
    /// levels trade speed for size as zlib's do) in blocks of `blockSize` bytes, at most
    /// `blocksInFlight` of them at once, handing its output to `sink`; `name` names the
    /// output in errors.
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
    }

    /// Takes `bytes` into the stream, handing the sink whatever compressed blocks are
    /// ready; waits for the oldest block when all are in flight.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        try recordingFailure { () throws(ArchiveError) in
            var rest = bytes
            while !rest.isEmpty {
                // A full block is sent off only once more input comes, so that an input
                // of whole blocks ends with its last full block, not an empty one.
                if blocks[current].isFull {
                    try submitCurrent()
                }
                let taken = blocks[current].append(rest)
                rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            }
        }
    }

    /// Compresses the last block (empty only when the whole input was) and hands the sink
    /// every block left.
    func finish() throws(ArchiveError) {
        try recordingFailure { () throws(ArchiveError) in
            try submitCurrent()
            while pending > 0 {
                try sinkOldest()
            }
        }
    }

    /// Hands the current block to a worker and moves on to the next.
    private func submitCurrent() throws(ArchiveError) {
        if pending == blocks.count - 1 {
            try sinkOldest()  // the next block is the oldest: free it first
        }
        let block = blocks[current]
        DispatchQueue.global().async {
            block.compress()
            block.completion.signal()
        }
        pending += 1
        current = (current + 1) % blocks.count
        blocks[current].reset()
    }

    /// Waits for the oldest compressing block and hands its output to the sink.
    private func sinkOldest() throws(ArchiveError) {
        let block = blocks[(current - pending + blocks.count) % blocks.count]
        pending -= 1
        block.completion.wait()
        if let message = block.failure {
            throw ArchiveError(.writeData, archive: name, message: "gzip: \(message)")
        }
        try sink(block.compressed)
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
