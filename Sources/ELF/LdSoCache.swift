/// The entries of a glibc `/etc/ld.so.cache`, in either format: the current one
/// (`glibc-ld.so.cache1.1`, glibc 2.32 and later) and the old `ld.so-1.7.0` one, including the
/// "compat" files older `ldconfig` wrote, with the new table after the old one (then the new
/// table is used, as glibc does).
///
/// This is the first step of resolving `DT_NEEDED` inside an image; choosing among entries
/// (architecture flags, hwcaps) is left to the resolver.
public struct LdSoCache: Sendable, Equatable {
    /// One library the cache knows.
    public struct Entry: Sendable, Equatable {
        /// The name looked up (the soname), e.g. `libz.so.1`.
        public let name: String
        /// The path the loader opens, e.g. `/lib/x86_64-linux-gnu/libz.so.1`.
        public let path: String
        /// `FLAG_*` bits: the low byte is the library type (3 for glibc ELF), the next byte the
        /// architecture variant (`0x0300` x86-64, `0x0a00` AArch64, ...).
        public let flags: Int32
        /// Hardware capability bits (new format only; 0 in the old format).
        public let hwcap: UInt64
    }

    /// Every entry in file order (the order glibc binary-searches and scans).
    public let entries: [Entry]

    /// The entries named `name`, in file order.
    public func entries(named name: String) -> [Entry] {
        entries.filter { $0.name == name }
    }

    private static let oldMagic = Array("ld.so-1.7.0".utf8)
    private static let newMagic = Array("glibc-ld.so.cache1.1".utf8)

    /// Parses the contents of an `ld.so.cache` file; `path` names the file in errors.
    public init(bytes: [UInt8], path: String) throws(ELFFinding) {
        do {
            entries = try Self.parse(bytes)
        } catch {
            throw ELFFinding(path: path, problem: error)
        }
    }

    /// The largest cache read (real ones are tens of kilobytes).
    public static let sizeLimit = 64 << 20

    /// Reads and parses the cache at host path `path`.
    public init(path: String, sizeLimit: Int = LdSoCache.sizeLimit) throws(ELFFinding) {
        try self.init(bytes: readRegularFile(path, sizeLimit: sizeLimit), path: path)
    }

    private static func parse(_ bytes: [UInt8]) throws(ELFProblem) -> [Entry] {
        if bytes.starts(with: newMagic) {
            return try parseNew(bytes, at: 0)
        }
        guard bytes.starts(with: oldMagic) else {
            throw .invalid(what: "ld.so.cache", detail: "no ld.so-1.7.0 or glibc-ld.so.cache1.1 magic")
        }
        // struct cache_file: 11-byte magic, nlibs at 12, then 12-byte entries, then strings.
        let little = ByteReader(bytes: bytes, bigEndian: false)
        let count = UInt64(try little.u32("ld.so.cache header", at: 12))
        let (tableSize, overflow) = count.multipliedReportingOverflow(by: 12)
        guard !overflow, little.contains(offset: 16, length: tableSize) else {
            throw .truncated(what: "ld.so.cache entries", offset: 16, length: tableSize, fileSize: little.size)
        }
        let stringsStart = 16 + tableSize
        // A compat file carries the new format after the old table, 8-byte aligned.
        let newStart = (stringsStart + 7) & ~7
        if newStart < little.size, bytes[Int(newStart)...].starts(with: newMagic) {
            return try parseNew(bytes, at: newStart)
        }
        var entries: [Entry] = []
        for index in 0..<count {
            let at = 16 + index * 12
            let what = "ld.so.cache entry \(index)"
            entries.append(
                Entry(
                    name: try little.cString(
                        what, at: stringsStart + UInt64(try little.u32(what, at: at + 4)), limit: little.size, maximumLength: 4096),
                    path: try little.cString(
                        what, at: stringsStart + UInt64(try little.u32(what, at: at + 8)), limit: little.size, maximumLength: 4096),
                    flags: Int32(bitPattern: try little.u32(what, at: at)),
                    hwcap: 0
                ))
        }
        return entries
    }

    /// Parses a new-format table whose header starts at `base`; string offsets are relative to it.
    private static func parseNew(_ bytes: [UInt8], at base: UInt64) throws(ELFProblem) -> [Entry] {
        let what = "ld.so.cache header"
        try ByteReader(bytes: bytes, bigEndian: false).require(what, offset: base, length: 48)
        // Byte 28: 2 little-endian, 3 big-endian, 0 unrecorded (older ldconfig: host order,
        // taken as little-endian here).
        let endianFlag = bytes[Int(base) + 28]
        guard endianFlag != 1 && endianFlag <= 3 else {
            throw .invalid(what: what, detail: "endianness flag \(endianFlag)")
        }
        let reader = ByteReader(bytes: bytes, bigEndian: endianFlag == 3)
        let count = UInt64(try reader.u32(what, at: base + 20))
        let (tableSize, overflow) = count.multipliedReportingOverflow(by: 24)
        guard !overflow, reader.contains(offset: base + 48, length: tableSize) else {
            throw .truncated(what: "ld.so.cache entries", offset: base + 48, length: tableSize, fileSize: reader.size)
        }
        var entries: [Entry] = []
        for index in 0..<count {
            let at = base + 48 + index * 24
            let entryWhat = "ld.so.cache entry \(index)"
            entries.append(
                Entry(
                    name: try reader.cString(
                        entryWhat, at: base + UInt64(try reader.u32(entryWhat, at: at + 4)), limit: reader.size, maximumLength: 4096),
                    path: try reader.cString(
                        entryWhat, at: base + UInt64(try reader.u32(entryWhat, at: at + 8)), limit: reader.size, maximumLength: 4096),
                    flags: Int32(bitPattern: try reader.u32(entryWhat, at: at)),
                    hwcap: try reader.u64(entryWhat, at: at + 16)
                ))
        }
        return entries
    }
}
