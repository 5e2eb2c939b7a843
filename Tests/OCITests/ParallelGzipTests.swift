import Foundation
import Glibc
import Testing

@testable import OCI
@testable import OCIArchive

/// The parallel gzip compressor: its output is gzip that `gzip` and libarchive decompress
/// to exactly the input, the same bytes however many blocks compress at once, and layers
/// packed with it read back as before.
@Suite("Parallel gzip")
struct ParallelGzipTests {
    static let block = ParallelGzipWriter.defaultBlockSize

    /// Sizes around the block boundaries, for incompressible and compressible input.
    static let inputs: [(kind: String, size: Int)] = ["random", "text"].flatMap { kind in
        [0, 1, block - 1, block, block + 1, 3 * block + 12_345].map { (kind, $0) }
    }

    @Test(arguments: inputs)
    func decompressesToTheInput(kind: String, size: Int) throws {
        let input = Self.input(kind, size: size)
        let compressed = try Self.compress(input)
        let directory = try TemporaryDirectory()
        let original = try directory.file("input", contents: input)
        let archive = try directory.file("input.gz", contents: compressed)
        try shell("gzip -t '\(archive)'")
        try shell("gzip -dc < '\(archive)' | cmp - '\(original)'")
        if size > 0 {  // libarchive's raw format refuses an empty stream ("Unrecognized archive format")
            #expect(try Self.libarchiveDecompress(archive) == input)
        }
    }

    @Test func emptyInputIsAValidEmptyGzipStream() throws {
        let directory = try TemporaryDirectory()
        let archive = try directory.file("empty.gz", contents: try Self.compress([]))
        try shell("gzip -t '\(archive)'")
        #expect(try shell("gzip -dc < '\(archive)' | wc -c") == "0")
    }

    @Test func headerHasNoTimestampAndNoName() throws {
        let compressed = try Self.compress(Self.input("text", size: 1000))
        #expect(Array(compressed[..<10]) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
    }

    @Test func outputIsTheSameForAnyParallelismAndWriteSizes() throws {
        let input = Self.input("random", size: 2 * Self.block + 7) + Self.input("text", size: 3 * Self.block)
        let serial = try Self.compress(input, blocksInFlight: 1)
        for blocksInFlight in [2, 3, 8] {
            #expect(try Self.compress(input, blocksInFlight: blocksInFlight) == serial, "\(blocksInFlight) in flight")
        }
        for chunk in [1000, 64 * 1024, 3 * Self.block] {
            #expect(try Self.compress(input, blocksInFlight: 3, chunk: chunk) == serial, "\(chunk)-byte writes")
        }
    }

    @Test func smallBlocksStillDecompressToTheInput() throws {
        let input = Self.input("text", size: 40 * 32 * 1024 + 5) + Self.input("random", size: 100_000)
        let small = try Self.compress(input, blocksInFlight: 3, blockSize: 32 * 1024)
        #expect(try Self.compress(input, blocksInFlight: 1, blockSize: 32 * 1024) == small)
        let directory = try TemporaryDirectory()
        #expect(try Self.libarchiveDecompress(try directory.file("small.gz", contents: small)) == input)
    }

    /// Each block is a gzip member of its own: a reader that stops at the end of the first
    /// member (Python's zlib with a gzip wrapper) gets exactly the first block.
    @Test func eachBlockIsAGzipMember() throws {
        let input = Self.input("text", size: 3 * Self.block + 100)
        let directory = try TemporaryDirectory()
        let archive = try directory.file("input.gz", contents: try Self.compress(input))
        let script = """
            import sys, zlib
            data = open(sys.argv[1], 'rb').read()
            sizes = []
            while data:
                d = zlib.decompressobj(31)
                sizes.append(len(d.decompress(data)))
                data = d.unused_data
            print(' '.join(map(str, sizes)))
            """
        let sizes = try run("/usr/bin/env", ["python3", "-c", script, archive])
        #expect(sizes == "\(Self.block) \(Self.block) \(Self.block) 100")
    }

    /// Compressing blocks apart may cost at most 5% over serial gzip (zlib) at the same
    /// level; libdeflate's parsing usually wins that back.
    @Test func sizeIsAtMostFivePercentOverSerialGzip() throws {
        let input = Self.input("text", size: 4 * Self.block) + Self.input("random", size: Self.block)
        let directory = try TemporaryDirectory()
        let original = try directory.file("input", contents: input)
        let serial = Double(try shell("gzip -6 -n < '\(original)' | wc -c"))!
        let parallel = Double(try Self.compress(input, level: 6).count)
        #expect(parallel <= serial * 1.05, "parallel \(parallel) bytes, gzip -6 \(serial)")
    }

    @Test func invalidLevelIsRefused() {
        let error = #expect(throws: ArchiveError.self) {
            try ParallelGzipWriter(level: 42, name: "layer") { _ throws(ArchiveError) in }
        }
        #expect(error?.operation == .open)
        #expect(error?.message.contains("level 42") == true, "\(String(describing: error))")
    }

    @Test func sinkErrorsComeBackAndStick() throws {
        let refusal = ArchiveError(.writeData, archive: "layer", message: "disk full")
        var calls = 0
        let writer = try ParallelGzipWriter(level: 6, blocksInFlight: 2, name: "layer") { _ throws(ArchiveError) in
            calls += 1
            if calls > 1 { throw refusal }  // the header goes through
        }
        let input = Self.input("random", size: 4 * Self.block)
        #expect(throws: refusal) {
            try input.withUnsafeBytes { bytes in try writer.write(bytes) }
            try writer.finish()
        }
        #expect(throws: refusal) { try writer.finish() }
    }

    @Test func packedLayerExtractsWithTheSameDiffID() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.tree("source", overlayForms: true)
        // Enough data for several blocks.
        _ = try directory.file("source/data/big.bin", contents: Self.input("random", size: 2 * Self.block))
        _ = try directory.file("source/data/big.txt", contents: Self.input("text", size: 2 * Self.block))
        try shell("touch -d @1600000000 '\(source)/data' '\(source)'/data/big.*")  // whole seconds, as packed
        let blob = directory.path("layer.tar.gz")
        let packed = try LayerPacker(compression: .gzip()).pack(directory: source, to: blob)
        try shell("gzip -t '\(blob)'")
        let plain = try LayerPacker(compression: .none).pack(directory: source, to: directory.path("layer.tar"))
        #expect(packed.diffID == plain.diffID)
        #expect(packed.uncompressedSize == plain.uncompressedSize)
        #expect(packed.diffID == (try LayerPacker().diffID(of: source)))
        let target = try directory.makeDirectory("target")
        #expect(try LayerExtractor.extract(layerAt: blob, into: target) == packed)
        #expect(try TreeSnapshot(target) == TreeSnapshot(source))
    }

    // MARK: - Support

    /// `input` compressed by a ``ParallelGzipWriter``, written in `chunk`-byte pieces.
    static func compress(
        _ input: [UInt8], level: Int = 6, blocksInFlight: Int = ParallelGzipWriter.defaultBlocksInFlight,
        blockSize: Int = block, chunk: Int = 64 * 1024
    ) throws -> [UInt8] {
        var output: [UInt8] = []
        let writer = try ParallelGzipWriter(
            level: level, blocksInFlight: blocksInFlight, blockSize: blockSize, name: "test"
        ) { bytes throws(ArchiveError) in
            output.append(contentsOf: bytes)
        }
        try input.withUnsafeBytes { all in
            for start in stride(from: 0, to: all.count, by: chunk) {
                try writer.write(UnsafeRawBufferPointer(rebasing: all[start..<min(start + chunk, all.count)]))
            }
        }
        try writer.finish()
        return output
    }

    /// What libarchive decompresses the file at `path` to.
    static func libarchiveDecompress(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TestFailure("cannot open \(path)") }
        defer { close(descriptor) }
        let stream = try DecompressedStream(descriptor: descriptor, name: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var output: [UInt8] = []
        while true {
            let count = try stream.read(into: buffer)
            if count == 0 { return output }
            output.append(contentsOf: buffer[..<count])
        }
    }

    /// `size` reproducible bytes: uniformly random (incompressible) for "random", words
    /// from a small vocabulary (compressible about 3:1) for "text".
    static func input(_ kind: String, size: Int) -> [UInt8] {
        var random = SplitMix64(seed: UInt64(size))
        guard kind == "text" else {
            return (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        let words: [[UInt8]] = (0..<2000).map { _ in
            (0..<(2 + Int(random.next() % 8))).map { _ in UInt8(ascii: "a") + UInt8(random.next() % 26) } + [UInt8(ascii: " ")]
        }
        var text: [UInt8] = []
        text.reserveCapacity(size + 16)
        while text.count < size {
            text += words[Int(random.next() % UInt64(words.count))]
        }
        return Array(text[..<size])
    }
}

/// A small seeded generator (SplitMix64), so test inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
