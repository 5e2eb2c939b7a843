/// Whether a file uses 32-bit or 64-bit structures (`EI_CLASS`).
public enum ELFClass: Sendable, Equatable {
    /// `ELFCLASS32`.
    case elf32
    /// `ELFCLASS64`.
    case elf64
}

/// The byte order of every multi-byte field in the file (`EI_DATA`).
public enum ELFByteOrder: Sendable, Equatable {
    /// `ELFDATA2LSB`.
    case littleEndian
    /// `ELFDATA2MSB`.
    case bigEndian
}

/// The object file type (`e_type`).
public struct ELFType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw `e_type` value.
    public let rawValue: UInt16
    /// Wraps a raw `e_type` value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `ET_REL`: a relocatable object.
    public static let relocatable = ELFType(rawValue: 1)
    /// `ET_EXEC`: an executable loaded at fixed addresses.
    public static let executable = ELFType(rawValue: 2)
    /// `ET_DYN`: a shared object or position-independent executable.
    public static let sharedObject = ELFType(rawValue: 3)
    /// `ET_CORE`: a core dump.
    public static let core = ELFType(rawValue: 4)

    /// The `ET_` name, or the number for other values.
    public var description: String {
        switch rawValue {
        case 1: "REL"
        case 2: "EXEC"
        case 3: "DYN"
        case 4: "CORE"
        default: "type \(rawValue)"
        }
    }
}

/// The target architecture (`e_machine`); any value is accepted, common ones are named.
public struct ELFMachine: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw `e_machine` value.
    public let rawValue: UInt16
    /// Wraps a raw `e_machine` value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `EM_386`.
    public static let i386 = ELFMachine(rawValue: 3)
    /// `EM_MIPS`.
    public static let mips = ELFMachine(rawValue: 8)
    /// `EM_PPC`.
    public static let powerPC = ELFMachine(rawValue: 20)
    /// `EM_PPC64`.
    public static let powerPC64 = ELFMachine(rawValue: 21)
    /// `EM_S390`.
    public static let s390 = ELFMachine(rawValue: 22)
    /// `EM_ARM`.
    public static let arm = ELFMachine(rawValue: 40)
    /// `EM_X86_64`.
    public static let x86_64 = ELFMachine(rawValue: 62)
    /// `EM_AARCH64`.
    public static let aarch64 = ELFMachine(rawValue: 183)
    /// `EM_RISCV`.
    public static let riscv = ELFMachine(rawValue: 243)

    /// A short architecture name ("x86_64", "aarch64"), or "machine N" for unnamed values.
    public var description: String {
        switch rawValue {
        case 3: "i386"
        case 8: "mips"
        case 20: "ppc"
        case 21: "ppc64"
        case 22: "s390"
        case 40: "arm"
        case 62: "x86_64"
        case 183: "aarch64"
        case 243: "riscv"
        default: "machine \(rawValue)"
        }
    }
}

/// The ELF file header: identification and the location of the program and section header tables.
public struct ELFHeader: Sendable, Equatable {
    /// 32- or 64-bit structures.
    public let fileClass: ELFClass
    /// Byte order of all fields.
    public let byteOrder: ELFByteOrder
    /// `EI_OSABI` (0 for System V / Linux, 3 for GNU/Linux, ...).
    public let osABI: UInt8
    /// Object file type.
    public let type: ELFType
    /// Target architecture.
    public let machine: ELFMachine
    /// `e_flags`, whose meaning depends on the machine.
    public let flags: UInt32
    /// Entry point virtual address.
    public let entry: UInt64
    /// File offset of the program header table (0 when there is none).
    public let programHeaderOffset: UInt64
    /// Size of one program header table entry.
    public let programHeaderEntrySize: UInt16
    /// Number of program headers, with `PN_XNUM` already resolved through section 0.
    public let programHeaderCount: UInt32
    /// File offset of the section header table (0 when there is none).
    public let sectionHeaderOffset: UInt64
    /// Size of one section header table entry.
    public let sectionHeaderEntrySize: UInt16
    /// Number of section headers, with the extended count already resolved through section 0.
    public let sectionHeaderCount: UInt64

    /// Size in bytes of the file header for `fileClass`.
    static func size(of fileClass: ELFClass) -> UInt64 { fileClass == .elf64 ? 64 : 52 }

    /// Parses the identification bytes and the header. The caller has already checked the magic.
    static func parse(_ bytes: ByteReader) throws(ELFProblem) -> (ELFHeader, ByteReader) {
        let fileSize = bytes.size
        guard fileSize > 7 else {
            throw .truncated(what: "ELF identification", offset: 0, length: 16, fileSize: fileSize)
        }
        let identification = bytes.bytes(at: 0, count: 8)
        let fileClass: ELFClass
        switch identification[4] {
        case 1: fileClass = .elf32
        case 2: fileClass = .elf64
        default: throw .invalid(what: "ELF class", detail: "EI_CLASS is \(identification[4]), expected 1 or 2")
        }
        let byteOrder: ELFByteOrder
        switch identification[5] {
        case 1: byteOrder = .littleEndian
        case 2: byteOrder = .bigEndian
        default: throw .invalid(what: "ELF byte order", detail: "EI_DATA is \(identification[5]), expected 1 or 2")
        }
        let reader = bytes.reading(bigEndian: byteOrder == .bigEndian)
        let is64 = fileClass == .elf64
        try reader.require("ELF header", offset: 0, length: size(of: fileClass))
        let word = is64 ? 8 : 4
        // Offsets of e_phoff and following fields differ between the classes only by word size.
        let phoffAt = UInt64(24 + word)
        let flagsAt = UInt64(24 + 3 * word)
        let phentsize = try reader.u16("ELF header", at: flagsAt + 6)
        var phnum = UInt32(try reader.u16("ELF header", at: flagsAt + 8))
        let shentsize = try reader.u16("ELF header", at: flagsAt + 10)
        var shnum = UInt64(try reader.u16("ELF header", at: flagsAt + 12))
        let shoff = try reader.word("ELF header", at: phoffAt + UInt64(word), is64: is64)
        // PN_XNUM and SHN_UNDEF counts: the real numbers live in section header 0.
        if (phnum == 0xffff || shnum == 0) && shoff != 0 {
            let minimum: UInt16 = is64 ? 64 : 40
            guard shentsize >= minimum else {
                throw .invalid(what: "ELF header", detail: "e_shentsize is \(shentsize), less than \(minimum)")
            }
            try reader.require("section header 0", offset: shoff, length: UInt64(shentsize))
            if phnum == 0xffff {
                phnum = try reader.u32("section header 0", at: shoff + (is64 ? 44 : 28))
            }
            if shnum == 0 {
                shnum = try reader.word("section header 0", at: shoff + (is64 ? 32 : 20), is64: is64)
            }
        }
        let header = ELFHeader(
            fileClass: fileClass,
            byteOrder: byteOrder,
            osABI: identification[7],
            type: ELFType(rawValue: try reader.u16("ELF header", at: 16)),
            machine: ELFMachine(rawValue: try reader.u16("ELF header", at: 18)),
            flags: try reader.u32("ELF header", at: flagsAt),
            entry: try reader.word("ELF header", at: 24, is64: is64),
            programHeaderOffset: try reader.word("ELF header", at: phoffAt, is64: is64),
            programHeaderEntrySize: phentsize,
            programHeaderCount: phnum,
            sectionHeaderOffset: shoff,
            sectionHeaderEntrySize: shentsize,
            sectionHeaderCount: shoff == 0 ? 0 : shnum
        )
        return (header, reader)
    }
}
