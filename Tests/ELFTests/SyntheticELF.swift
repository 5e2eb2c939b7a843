/// Writes small ELF images of any class and byte order, for the cases no compiler here
/// produces (big-endian files, old Go releases) and for hostile layouts (version chains that
/// run past their end).
struct SyntheticELF {
    var is64 = true
    var bigEndian = false
    /// `e_type`: 3 (`ET_DYN`) or 2 (`ET_EXEC`).
    var type: UInt16 = 3
    /// Whether the file has a `PT_DYNAMIC` segment (a `PT_NOTE` takes its place otherwise).
    var dynamic = true
    var machine: UInt16 = 22  // EM_S390
    var interpreter: String? = "/lib/ld64.so.1"
    var needed: [String] = ["libc.so.6"]
    var soname: String?
    var runpath: String?
    var requirements: [(file: String, versions: [String])] = [("libc.so.6", ["GLIBC_2.2", "GLIBC_2.34"])]
    /// Overrides DT_VERNEEDNUM (to claim more entries than exist).
    var requirementCount: UInt64?
    /// Sets the last Verneed's vn_next to 1, so a reader trusting the count walks on byte by byte.
    var requirementOverrun = false
    /// The contents of a writable `PT_LOAD` segment at the end of the file (where Go keeps its
    /// build information), made from the virtual address the segment is loaded at.
    var writableSegment: ((_ address: UInt64) -> [UInt8])?

    static let base: UInt64 = 0x10000

    /// Where the writable segment of an image of `count` bytes starts: the next 16-byte boundary.
    static func writableOffset(after count: Int) -> Int { (count + 15) & ~15 }

    func build() -> [UInt8] {
        let word = is64 ? 8 : 4
        let headerSize = is64 ? 64 : 52
        let phentsize = is64 ? 56 : 32
        let phnum = writableSegment == nil ? 3 : 4
        var strings: [UInt8] = [0]
        func intern(_ string: String) -> UInt64 {
            let offset = UInt64(strings.count)
            strings += Array(string.utf8) + [0]
            return offset
        }
        let interpOffset = headerSize + phentsize * phnum
        let interpBytes: [UInt8] = interpreter.map { Array($0.utf8) + [0] } ?? []
        var dynamicEntries: [(Int64, UInt64)] = needed.map { (1, intern($0)) }
        if let soname { dynamicEntries.append((14, intern(soname))) }
        if let runpath { dynamicEntries.append((29, intern(runpath))) }

        var verneed: [UInt8] = []
        var writer = Writer(bigEndian: bigEndian)
        for (index, requirement) in requirements.enumerated() {
            let last = index == requirements.count - 1
            let size = 16 + 16 * requirement.versions.count
            writer.bytes = []
            writer.u16(1)
            writer.u16(UInt64(requirement.versions.count))
            writer.u32(intern(requirement.file))
            writer.u32(16)
            writer.u32(last ? (requirementOverrun ? 1 : 0) : UInt64(size))
            for (auxIndex, version) in requirement.versions.enumerated() {
                writer.u32(0)
                writer.u16(0)
                writer.u16(UInt64(auxIndex + 2))
                writer.u32(intern(version))
                writer.u32(auxIndex == requirement.versions.count - 1 ? 0 : 16)
            }
            verneed += writer.bytes
        }
        let stringsOffset = interpOffset + interpBytes.count
        let verneedOffset = stringsOffset + strings.count
        var dynamicOffset = verneedOffset + verneed.count
        dynamicOffset = (dynamicOffset + 7) & ~7
        dynamicEntries.append((5, Self.base + UInt64(stringsOffset)))
        dynamicEntries.append((10, UInt64(strings.count)))
        if !requirements.isEmpty {
            dynamicEntries.append((0x6fff_fffe, Self.base + UInt64(verneedOffset)))
            dynamicEntries.append((0x6fff_ffff, requirementCount ?? UInt64(requirements.count)))
        }
        dynamicEntries.append((0, 0))
        let dynamicSize = dynamicEntries.count * 2 * word
        let total = dynamicOffset + dynamicSize

        var out = Writer(bigEndian: bigEndian)
        out.bytes = [0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, bigEndian ? 2 : 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        out.u16(UInt64(type))
        out.u16(UInt64(machine))
        out.u32(1)
        out.word(Self.base, is64)  // e_entry
        out.word(UInt64(headerSize), is64)  // e_phoff
        out.word(0, is64)  // e_shoff
        out.u32(0)
        out.u16(UInt64(headerSize))
        out.u16(UInt64(phentsize))
        out.u16(UInt64(phnum))
        out.u16(0)
        out.u16(0)
        out.u16(0)
        func segment(_ type: UInt32, _ offset: Int, _ size: Int, flags: UInt64 = 4) {
            let vaddr = Self.base + UInt64(offset)
            if is64 {
                out.u32(UInt64(type)); out.u32(flags)
                out.u64(UInt64(offset)); out.u64(vaddr); out.u64(vaddr)
                out.u64(UInt64(size)); out.u64(UInt64(size)); out.u64(8)
            } else {
                out.u32(UInt64(type)); out.u32(UInt64(offset)); out.u32(vaddr); out.u32(vaddr)
                out.u32(UInt64(size)); out.u32(UInt64(size)); out.u32(flags); out.u32(4)
            }
        }
        let writableAt = Self.writableOffset(after: total)
        let writable = writableSegment?(Self.base + UInt64(writableAt)) ?? []
        segment(1, 0, total)
        segment(interpreter == nil ? 4 : 3, interpOffset, interpBytes.count)
        segment(dynamic ? 2 : 4, dynamicOffset, dynamicSize)
        if writableSegment != nil { segment(1, writableAt, writable.count, flags: 6) }
        out.bytes += interpBytes + strings + verneed
        out.bytes += [UInt8](repeating: 0, count: dynamicOffset - out.bytes.count)
        for (tag, value) in dynamicEntries {
            out.word(UInt64(bitPattern: tag), is64)
            out.word(value, is64)
        }
        if writableSegment != nil {
            out.bytes += [UInt8](repeating: 0, count: writableAt - out.bytes.count) + writable
        }
        return out.bytes
    }

    /// Appends integers in a chosen byte order.
    struct Writer {
        let bigEndian: Bool
        var bytes: [UInt8] = []
        mutating func integer(_ value: UInt64, width: Int) {
            for index in 0..<width {
                let shift = UInt64(8 * (bigEndian ? width - 1 - index : index))
                bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            }
        }
        mutating func u16(_ value: UInt64) { integer(value, width: 2) }
        mutating func u32(_ value: UInt64) { integer(value, width: 4) }
        mutating func u64(_ value: UInt64) { integer(value, width: 8) }
        mutating func word(_ value: UInt64, _ is64: Bool) { integer(value, width: is64 ? 8 : 4) }
    }
}
