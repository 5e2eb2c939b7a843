/// A segment type (`p_type`); any value is accepted, the ones the inspector uses are named.
public struct SegmentType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw `p_type` value.
    public let rawValue: UInt32
    /// Wraps a raw `p_type` value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `PT_LOAD`: mapped into memory from the file.
    public static let load = SegmentType(rawValue: 1)
    /// `PT_DYNAMIC`: the dynamic section.
    public static let dynamic = SegmentType(rawValue: 2)
    /// `PT_INTERP`: the path of the program interpreter (dynamic loader).
    public static let interpreter = SegmentType(rawValue: 3)
    /// `PT_NOTE`: auxiliary notes.
    public static let note = SegmentType(rawValue: 4)
    /// `PT_PHDR`: the program header table itself.
    public static let programHeaders = SegmentType(rawValue: 6)
    /// `PT_TLS`: the thread-local storage template.
    public static let tls = SegmentType(rawValue: 7)
    /// `PT_GNU_STACK`: stack permissions.
    public static let gnuStack = SegmentType(rawValue: 0x6474_e551)

    /// The `PT_` name, or the number in hexadecimal for other values.
    public var description: String {
        switch rawValue {
        case 1: "PT_LOAD"
        case 2: "PT_DYNAMIC"
        case 3: "PT_INTERP"
        case 4: "PT_NOTE"
        case 6: "PT_PHDR"
        case 7: "PT_TLS"
        case 0x6474_e551: "PT_GNU_STACK"
        default: "segment type \(hex(UInt64(rawValue)))"
        }
    }
}

/// One entry of the program header table: a segment and where it lives in the file and in memory.
public struct ProgramHeader: Sendable, Equatable {
    /// What the segment is.
    public let type: SegmentType
    /// `PF_X` (1), `PF_W` (2) and `PF_R` (4) bits.
    public let flags: UInt32
    /// File offset of the segment's first byte.
    public let offset: UInt64
    /// Virtual address of the segment's first byte.
    public let virtualAddress: UInt64
    /// Physical address (unused on Linux).
    public let physicalAddress: UInt64
    /// Number of bytes the segment occupies in the file.
    public let fileSize: UInt64
    /// Number of bytes the segment occupies in memory.
    public let memorySize: UInt64
    /// Alignment of the segment.
    public let alignment: UInt64

    /// Size in bytes of one program header of `fileClass`.
    static func size(of fileClass: ELFClass) -> UInt16 { fileClass == .elf64 ? 56 : 32 }

    /// Whether `fileSize` bytes from `offset` lie inside a file of `size` bytes.
    func fitsInFile(of size: UInt64) -> Bool {
        let (end, overflow) = offset.addingReportingOverflow(fileSize)
        return !overflow && end <= size
    }

    /// The file offset holding virtual address `address` if this segment maps it from the file.
    func fileOffset(of address: UInt64) -> UInt64? {
        guard address >= virtualAddress, address - virtualAddress < fileSize else { return nil }
        let (result, overflow) = offset.addingReportingOverflow(address - virtualAddress)
        return overflow ? nil : result
    }

    /// Reads program header `index` of the table described by `header`.
    static func parse(_ reader: ByteReader, header: ELFHeader, index: UInt32) throws(ELFProblem) -> ProgramHeader {
        let is64 = header.fileClass == .elf64
        let (relative, overflow) = UInt64(index).multipliedReportingOverflow(by: UInt64(header.programHeaderEntrySize))
        let (at, overflow2) = header.programHeaderOffset.addingReportingOverflow(relative)
        guard !overflow, !overflow2 else {
            throw .invalid(what: "program header table", detail: "entry \(index) lies beyond any 64-bit offset")
        }
        let what = "program header \(index)"
        try reader.require(what, offset: at, length: UInt64(size(of: header.fileClass)))
        if is64 {
            return ProgramHeader(
                type: SegmentType(rawValue: try reader.u32(what, at: at)),
                flags: try reader.u32(what, at: at + 4),
                offset: try reader.u64(what, at: at + 8),
                virtualAddress: try reader.u64(what, at: at + 16),
                physicalAddress: try reader.u64(what, at: at + 24),
                fileSize: try reader.u64(what, at: at + 32),
                memorySize: try reader.u64(what, at: at + 40),
                alignment: try reader.u64(what, at: at + 48)
            )
        }
        return ProgramHeader(
            type: SegmentType(rawValue: try reader.u32(what, at: at)),
            flags: try reader.u32(what, at: at + 24),
            offset: UInt64(try reader.u32(what, at: at + 4)),
            virtualAddress: UInt64(try reader.u32(what, at: at + 8)),
            physicalAddress: UInt64(try reader.u32(what, at: at + 12)),
            fileSize: UInt64(try reader.u32(what, at: at + 16)),
            memorySize: UInt64(try reader.u32(what, at: at + 20)),
            alignment: UInt64(try reader.u32(what, at: at + 28))
        )
    }
}
