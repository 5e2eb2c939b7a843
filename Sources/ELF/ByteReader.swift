/// Bounds-checked reads of fixed-width integers and NUL-terminated strings from an ELF image
/// held in memory, in the image's byte order. Every read names what it reads, so a read past the
/// end of the file becomes an ``ELFProblem/truncated(what:offset:length:fileSize:)``.
struct ByteReader: Sendable {
    /// The whole file.
    let bytes: [UInt8]
    /// Whether multi-byte integers are stored most significant byte first.
    let bigEndian: Bool

    /// The file size, as the unsigned type ELF offsets use.
    var size: UInt64 { UInt64(bytes.count) }

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
        let start = Int(offset)
        var value: UInt64 = 0
        for index in 0..<width {
            value = value << 8 | UInt64(bytes[start + (bigEndian ? index : width - 1 - index)])
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
        let start = Int(offset)
        guard let nul = bytes[start..<Int(scanEnd)].firstIndex(of: 0) else {
            if scanEnd < end {
                throw .invalid(what: what, detail: "string at \(hex(offset)) is longer than \(maximumLength - 1) bytes")
            }
            if limit > size {
                throw .truncated(what: what, offset: offset, length: limit - offset, fileSize: size)
            }
            throw .invalid(what: what, detail: "no NUL terminator between \(hex(offset)) and \(hex(limit))")
        }
        return String(decoding: bytes[start..<nul], as: UTF8.self)
    }
}
