/// A dynamic entry tag (`d_tag`); any value is accepted, the ones the inspector reads are named.
public struct DynamicTag: RawRepresentable, Sendable, Hashable {
    /// The raw `d_tag` value (sign-extended in ELF32 files).
    public let rawValue: Int64
    /// Wraps a raw `d_tag` value.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// `DT_NULL`: end of the table.
    public static let null = DynamicTag(rawValue: 0)
    /// `DT_NEEDED`: a library the file depends on.
    public static let needed = DynamicTag(rawValue: 1)
    /// `DT_STRTAB`: address of the string table.
    public static let stringTable = DynamicTag(rawValue: 5)
    /// `DT_STRSZ`: size of the string table.
    public static let stringTableSize = DynamicTag(rawValue: 10)
    /// `DT_SONAME`: the shared object's own name.
    public static let soname = DynamicTag(rawValue: 14)
    /// `DT_RPATH`: library search path (searched before `LD_LIBRARY_PATH`, inherited).
    public static let rpath = DynamicTag(rawValue: 15)
    /// `DT_RUNPATH`: library search path (searched after `LD_LIBRARY_PATH`, not inherited).
    public static let runpath = DynamicTag(rawValue: 29)
    /// `DT_FLAGS`.
    public static let flags = DynamicTag(rawValue: 30)
    /// `DT_FLAGS_1`.
    public static let flags1 = DynamicTag(rawValue: 0x6fff_fffb)
    /// `DT_VERDEF`: address of the version definitions.
    public static let versionDefinitions = DynamicTag(rawValue: 0x6fff_fffc)
    /// `DT_VERDEFNUM`: number of version definitions.
    public static let versionDefinitionCount = DynamicTag(rawValue: 0x6fff_fffd)
    /// `DT_VERNEED`: address of the version requirements.
    public static let versionRequirements = DynamicTag(rawValue: 0x6fff_fffe)
    /// `DT_VERNEEDNUM`: number of version requirements.
    public static let versionRequirementCount = DynamicTag(rawValue: 0x6fff_ffff)
}

/// One entry of the dynamic section, in file order.
public struct DynamicEntry: Sendable, Equatable {
    /// What the entry is.
    public let tag: DynamicTag
    /// Its value or address (`d_un`).
    public let value: UInt64
}

/// Bits of `DT_FLAGS_1`.
public struct DynamicFlags1: OptionSet, Sendable, Hashable {
    /// The raw `DT_FLAGS_1` value.
    public let rawValue: UInt64
    /// Wraps a raw `DT_FLAGS_1` value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `DF_1_NOW`: bind all symbols at load time.
    public static let now = DynamicFlags1(rawValue: 0x1)
    /// `DF_1_NODEFLIB`: do not search the default library directories for this object's dependencies.
    public static let noDefaultLibraries = DynamicFlags1(rawValue: 0x800)
    /// `DF_1_PIE`: the object is a position-independent executable.
    public static let pie = DynamicFlags1(rawValue: 0x0800_0000)
}

/// The dynamic section found through `PT_DYNAMIC`, with its strings resolved through the
/// `DT_STRTAB` table mapped by the `PT_LOAD` segments.
///
/// Where a tag that glibc reads once (`DT_SONAME`, `DT_RPATH`, `DT_RUNPATH`) appears more than
/// once, the last entry wins, as in glibc's `elf_get_dynamic_info`.
public struct DynamicSection: Sendable, Equatable {
    /// Every entry up to (not including) `DT_NULL` or the end of the segment.
    public let entries: [DynamicEntry]
    /// `DT_NEEDED` names, in file order.
    public let needed: [String]
    /// `DT_SONAME`, if any.
    public let soname: String?
    /// `DT_RPATH`, unsplit (colon-separated, `$ORIGIN` unexpanded), if any.
    public let rpath: String?
    /// `DT_RUNPATH`, unsplit, if any.
    public let runpath: String?
    /// `DT_FLAGS_1` (empty when absent).
    public let flags1: DynamicFlags1

    /// The value of the last entry with `tag`, if any.
    public func value(of tag: DynamicTag) -> UInt64? {
        entries.last { $0.tag == tag }?.value
    }

    /// The string table, if `DT_STRTAB` is present and mapped; problems go to `findings`.
    func stringTable(_ reader: ByteReader, map: AddressMap, findings: inout [ELFProblem]) -> StringTable? {
        guard let address = value(of: .stringTable) else {
            if entries.contains(where: { [.needed, .soname, .rpath, .runpath].contains($0.tag) }) {
                findings.append(.invalid(what: "dynamic section", detail: "string entries but no DT_STRTAB"))
            }
            return nil
        }
        do {
            let offset = try map.fileOffset(of: address, for: "DT_STRTAB")
            guard let size = value(of: .stringTableSize) else {
                findings.append(.invalid(what: "dynamic section", detail: "DT_STRTAB without DT_STRSZ"))
                return nil
            }
            if !reader.contains(offset: offset, length: size) {
                findings.append(.truncated(what: "dynamic string table", offset: offset, length: size, fileSize: reader.size))
            }
            return StringTable(offset: offset, size: size)
        } catch {
            findings.append(error)
            return nil
        }
    }

    /// Reads the entries of `segment` (a `PT_DYNAMIC` header) and resolves their strings.
    /// Never throws: damage is appended to `findings` and whatever could be read is returned,
    /// together with the string table for the version sections.
    static func parse(
        _ reader: ByteReader, segment: ProgramHeader, fileClass: ELFClass, map: AddressMap,
        findings: inout [ELFProblem]
    ) -> (DynamicSection, StringTable?) {
        let is64 = fileClass == .elf64
        let entrySize: UInt64 = is64 ? 16 : 8
        if !segment.fitsInFile(of: reader.size) {
            findings.append(.truncated(what: "dynamic section", offset: segment.offset, length: segment.fileSize, fileSize: reader.size))
        }
        // Bounded by the segment and by the file: never more entries than bytes allow.
        let available = segment.offset < reader.size ? min(segment.fileSize, reader.size - segment.offset) : 0
        var entries: [DynamicEntry] = []
        var index: UInt64 = 0
        var terminated = false
        while index < available / entrySize {
            let at = segment.offset + index * entrySize
            do {
                let rawTag = try reader.word("dynamic entry", at: at, is64: is64)
                let tag = DynamicTag(rawValue: is64 ? Int64(bitPattern: rawTag) : Int64(Int32(truncatingIfNeeded: rawTag)))
                if tag == .null {
                    terminated = true
                    break
                }
                entries.append(DynamicEntry(tag: tag, value: try reader.word("dynamic entry", at: at + entrySize / 2, is64: is64)))
            } catch {
                findings.append(error)
                break
            }
            index += 1
        }
        if !terminated && segment.fitsInFile(of: reader.size) {
            findings.append(
                .invalid(
                    what: "dynamic section", detail: "no DT_NULL within \(hex(segment.fileSize)) bytes at offset \(hex(segment.offset))"))
        }

        let unresolved = DynamicSection(
            entries: entries, needed: [], soname: nil, rpath: nil, runpath: nil,
            flags1: DynamicFlags1(rawValue: entries.last { $0.tag == .flags1 }?.value ?? 0))
        let table = unresolved.stringTable(reader, map: map, findings: &findings)
        var needed: [String] = []
        var soname: String?
        var rpath: String?
        var runpath: String?
        if let table {
            // Every DT_NEEDED counts; of the tags read once only the last entry does, so only it
            // is read (a file repeating DT_RPATH a million times costs one string).
            let lastOnce = Set([DynamicTag.soname, .rpath, .runpath].compactMap { tag in entries.lastIndex { $0.tag == tag } })
            for (index, entry) in entries.enumerated() where entry.tag == .needed || lastOnce.contains(index) {
                do {
                    switch entry.tag {
                    case .needed: needed.append(try table.string(reader, at: entry.value, for: "DT_NEEDED"))
                    case .soname: soname = try table.string(reader, at: entry.value, for: "DT_SONAME")
                    case .rpath:
                        rpath = try table.string(
                            reader, at: entry.value, for: "DT_RPATH",
                            maximumLength: StringTable.maximumPathListLength)
                    default:
                        runpath = try table.string(
                            reader, at: entry.value, for: "DT_RUNPATH",
                            maximumLength: StringTable.maximumPathListLength)
                    }
                } catch {
                    findings.append(error)
                }
            }
        }
        let section = DynamicSection(
            entries: entries, needed: needed, soname: soname, rpath: rpath,
            runpath: runpath, flags1: unresolved.flags1)
        return (section, table)
    }
}
