import System

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bounds-checked reads of fixed-width integers and NUL-terminated strings from an ELF image,
/// in memory or read from its file as needed, in the image's byte order. Every read names what it reads, so a read past the
/// end of the file becomes an ``ELFProblem/truncated(what:offset:length:fileSize:)``.
struct ByteReader {
    /// Where the bytes are: an array, or an open file read in pages as they are asked for.
    enum Source {
        case memory([UInt8])
        case file(FilePages)
    }

    let source: Source
    /// Whether multi-byte integers are stored most significant byte first.
    let bigEndian: Bool
    /// The file size, as the unsigned type ELF offsets use.
    let size: UInt64

    init(bytes: [UInt8], bigEndian: Bool) {
        source = .memory(bytes)
        self.bigEndian = bigEndian
        size = UInt64(bytes.count)
    }

    init(file: FilePages, bigEndian: Bool) {
        source = .file(file)
        self.bigEndian = bigEndian
        size = file.size
    }

    private init(source: Source, bigEndian: Bool, size: UInt64) {
        self.source = source
        self.bigEndian = bigEndian
        self.size = size
    }

    /// The same bytes read in the other byte order.
    func reading(bigEndian: Bool) -> ByteReader {
        ByteReader(source: source, bigEndian: bigEndian, size: size)
    }

    /// The `count` bytes at `offset`, which the caller has checked lie inside the file
    /// (``require(_:offset:length:)``).
    func bytes(at offset: UInt64, count: Int) -> [UInt8] {
        switch source {
        case .memory(let bytes): return Array(bytes[Int(offset)..<Int(offset) + count])
        case .file(let pages): return pages.bytes(at: offset, count: count)
        }
    }

    /// The byte at `offset`, which the caller has checked lies inside the file.
    func byte(at offset: UInt64) -> UInt8 {
        switch source {
        case .memory(let bytes): return bytes[Int(offset)]
        case .file(let pages): return pages.byte(at: offset)
        }
    }

    /// The offset of the first NUL in `start..<end` (inside the file), or nil.
    private func firstNul(from start: UInt64, to end: UInt64) -> UInt64? {
        switch source {
        case .memory(let bytes):
            return bytes[Int(start)..<Int(end)].firstIndex(of: 0).map { UInt64($0) }
        case .file(let pages):
            var at = start
            while at < end {
                let count = Int(min(end - at, FilePages.pageSize - at % FilePages.pageSize))
                if let index = pages.bytes(at: at, count: count).firstIndex(of: 0) { return at + UInt64(index) }
                at += UInt64(count)
            }
            return nil
        }
    }

    /// Whether `length` bytes starting at `offset` lie inside the file (overflow-safe).
    func contains(offset: UInt64, length: UInt64) -> Bool {
        let (end, overflow) = offset.addingReportingOverflow(length)
        return !overflow && end <= size
    }

    /// Throws ``ELFProblem/truncated(what:offset:length:fileSize:)`` unless the range is inside the file.
    func require(_ what: String, offset: UInt64, length: UInt64) throws(ELFProblem) {
        guard contains(offset: offset, length: length) else {
            throw .truncated(what: what, offset: offset, length: length, fileSize: size)
        }
    }

    /// The unsigned integer of `width` bytes (1, 2, 4 or 8) at `offset`.
    func unsigned(_ what: String, at offset: UInt64, width: Int) throws(ELFProblem) -> UInt64 {
        try require(what, offset: offset, length: UInt64(width))
        let field = bytes(at: offset, count: width)
        var value: UInt64 = 0
        for index in 0..<width {
            value = value << 8 | UInt64(field[bigEndian ? index : width - 1 - index])
        }
        return value
    }

    /// The `UInt16` at `offset`.
    func u16(_ what: String, at offset: UInt64) throws(ELFProblem) -> UInt16 {
        UInt16(try unsigned(what, at: offset, width: 2))
    }

    /// The `UInt32` at `offset`.
    func u32(_ what: String, at offset: UInt64) throws(ELFProblem) -> UInt32 {
        UInt32(try unsigned(what, at: offset, width: 4))
    }

    /// The `UInt64` at `offset`.
    func u64(_ what: String, at offset: UInt64) throws(ELFProblem) -> UInt64 {
        try unsigned(what, at: offset, width: 8)
    }

    /// An address, offset or size field: 4 bytes in ELF32 files, 8 in ELF64 files.
    func word(_ what: String, at offset: UInt64, is64: Bool) throws(ELFProblem) -> UInt64 {
        try unsigned(what, at: offset, width: is64 ? 8 : 4)
    }

    /// The string starting at `offset` and ending at the first NUL before `limit` (exclusive),
    /// decoded as UTF-8 with invalid sequences replaced. Throws when no NUL is found in range,
    /// or within `maximumLength` bytes (NUL included): a cap that keeps many strings pointing
    /// into one long unterminated run from costing time quadratic in the file size.
    func cString(_ what: String, at offset: UInt64, limit: UInt64, maximumLength: UInt64 = .max) throws(ELFProblem) -> String {
        let end = min(limit, size)
        guard offset < end else {
            throw .truncated(what: what, offset: offset, length: 1, fileSize: size)
        }
        let scanEnd = offset + min(end - offset, maximumLength)
        guard let nul = firstNul(from: offset, to: scanEnd) else {
            if scanEnd < end {
                throw .invalid(what: what, detail: "string at \(hex(offset)) is longer than \(maximumLength - 1) bytes")
            }
            if limit > size {
                throw .truncated(what: what, offset: offset, length: limit - offset, fileSize: size)
            }
            throw .invalid(what: what, detail: "no NUL terminator between \(hex(offset)) and \(hex(limit))")
        }
        return String(decoding: bytes(at: offset, count: Int(nul - offset)), as: UTF8.self)
    }
}

/// An open regular file read through `pread` in pages of ``pageSize`` bytes, each read once
/// and kept for the parse (at most ``pageLimit`` at a time): an ELF file is parsed from its
/// headers, dynamic section, string and version tables and data segment, a small part of a
/// large executable, so the memory a parse takes no longer grows with the file (a 35 MB
/// `cc1plus` was read whole before). Bytes a file no longer has (it shrank while being
/// read) read as zeros, as a short read cannot be told from a hole.
final class FilePages {
    static let pageSize: UInt64 = 64 << 10
    static let pageLimit = 256

    let size: UInt64
    private let file: FileDescriptor
    private var pages: [UInt64: [UInt8]] = [:]

    /// Reads `file`, which must be a regular file of at most `sizeLimit` bytes; it is
    /// closed with the pages.
    init(file: consuming FileDescriptor, sizeLimit: Int) throws(ELFProblem) {
        size = try regularFileSize(file.rawValue, sizeLimit: sizeLimit)
        self.file = file
    }

    private var descriptor: Int32 { file.rawValue }

    func byte(at offset: UInt64) -> UInt8 {
        page(offset / Self.pageSize)[Int(offset % Self.pageSize)]
    }

    func bytes(at offset: UInt64, count: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        var at = offset
        let end = offset + UInt64(count)
        while at < end {
            let page = page(at / Self.pageSize)
            let start = Int(at % Self.pageSize)
            let take = min(Int(end - at), page.count - start)
            result.append(contentsOf: page[start..<start + take])
            at += UInt64(take)
        }
        return result
    }

    /// Page `index`, read now unless it was; a page is ``pageSize`` bytes (the last one
    /// up to the end of the file).
    private func page(_ index: UInt64) -> [UInt8] {
        if let page = pages[index] { return page }
        let start = index * Self.pageSize
        let length = Int(min(Self.pageSize, size - min(size, start)))
        let page = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            var filled = 0
            while filled < length {
                let count = retryingOnInterrupt {
                    pread(descriptor, buffer.baseAddress! + filled, length - filled, off_t(start) + off_t(filled))
                }
                if count <= 0 { break }
                filled += count
            }
            for index in filled..<length { buffer[index] = 0 }
            initialized = length
        }
        if pages.count >= Self.pageLimit { pages.removeAll(keepingCapacity: true) }
        pages[index] = page
        return page
    }
}
