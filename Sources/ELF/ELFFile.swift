/// A parsed ELF file: header, program headers, interpreter, dynamic section, GNU symbol
/// versions and Go build information, read the way the loader finds them (through program
/// headers, so files without section headers work).
///
/// The file is read in the parts the parse needs (up to a size limit) and never executed. A file whose
/// header or program header table cannot be read throws an ``ELFFinding``; damage further in
/// (a truncated dynamic section, a string offset outside its table, ...) is listed in
/// ``findings`` and everything that could still be read is kept.
public struct ELFFile: Sendable {
    /// The largest file read by default: 1 GiB.
    public static let defaultSizeLimit = 1 << 30

    /// The path of the file, as the caller gave it.
    public let path: String
    /// The size of the file in bytes.
    public let fileSize: UInt64
    /// The file header.
    public let header: ELFHeader
    /// The program headers that could be read, in table order.
    public let programHeaders: [ProgramHeader]
    /// The `PT_INTERP` path (the dynamic loader), if the file has one.
    public let interpreter: String?
    /// The dynamic section found through `PT_DYNAMIC`, or nil when the file has none.
    public let dynamic: DynamicSection?
    /// GNU version requirements (`DT_VERNEED`), one per library, in file order.
    public let versionRequirements: [VersionRequirement]
    /// GNU version definitions (`DT_VERDEF`), in file order.
    public let versionDefinitions: [VersionDefinition]
    /// The Go build information, for executables built by Go.
    public let goBuildInfo: GoBuildInfo?
    /// Problems found in parts of the file that could not be read completely.
    public let findings: [ELFFinding]

    /// `DT_NEEDED` names in file order (empty for static files).
    public var needed: [String] { dynamic?.needed ?? [] }
    /// `DT_SONAME`, if any.
    public var soname: String? { dynamic?.soname }
    /// `DT_RPATH`, if any.
    public var rpath: String? { dynamic?.rpath }
    /// `DT_RUNPATH`, if any.
    public var runpath: String? { dynamic?.runpath }
    /// Whether the file has a `PT_DYNAMIC` segment.
    public var isDynamic: Bool { dynamic != nil }

    /// Whether this is a separate debug file (`objcopy --only-keep-debug`, the files under
    /// `/usr/lib/debug/.build-id/`): it keeps the program headers of the file it describes but
    /// none of their contents: every executable `PT_LOAD` has no file bytes yet occupies memory.
    /// Such a file is never loaded or run; its `PT_INTERP` and `PT_DYNAMIC` are not read.
    public var isSeparateDebugFile: Bool { Self.isSeparateDebugFile(programHeaders) }

    static func isSeparateDebugFile(_ segments: [ProgramHeader]) -> Bool {
        let code = segments.filter { $0.type == .load && $0.flags & 0x1 != 0 }
        return !code.isEmpty && code.allSatisfy { $0.fileSize == 0 && $0.memorySize > 0 }
    }

    /// Reads and parses the file at `path`. Throws ``ELFProblem/notELF`` for files without the
    /// ELF magic, ``ELFProblem/tooLarge(size:limit:)`` above `sizeLimit` bytes, and other
    /// problems when the header or program header table is unusable. Only regular files are
    /// read, and only the parts the parse needs (``FilePages``).
    public init(path: String, sizeLimit: Int = ELFFile.defaultSizeLimit) throws(ELFFinding) {
        let pages: FilePages
        do {
            pages = try FilePages(file: openRegularFile(path), sizeLimit: sizeLimit)
        } catch {
            throw ELFFinding(path: path, problem: error)
        }
        try self.init(reader: ByteReader(file: pages, bigEndian: false), path: path)
    }

    /// Reads and parses the regular file at `path` inside `root` (confined to it), only the
    /// parts the parse needs; findings name its host path.
    public init(root: ImageRoot, path: String, sizeLimit: Int = ELFFile.defaultSizeLimit) throws(ELFFinding) {
        try self.init(reader: ByteReader(file: root.filePages(path, sizeLimit: sizeLimit), bigEndian: false), path: root.hostPath(path))
    }

    /// Parses an ELF image already in memory; `path` is only used to name the file in findings.
    public init(bytes: [UInt8], path: String) throws(ELFFinding) {
        try self.init(reader: ByteReader(bytes: bytes, bigEndian: false), path: path)
    }

    private init(reader bytes: ByteReader, path: String) throws(ELFFinding) {
        guard bytes.size >= 4, bytes.bytes(at: 0, count: 4) == [0x7f, 0x45, 0x4c, 0x46] else {
            throw ELFFinding(path: path, problem: .notELF)
        }
        let header: ELFHeader
        let reader: ByteReader
        do {
            (header, reader) = try ELFHeader.parse(bytes)
        } catch {
            throw ELFFinding(path: path, problem: error)
        }
        var problems: [ELFProblem] = []
        let programHeaders: [ProgramHeader]
        do {
            programHeaders = try Self.programHeaders(reader, header: header, findings: &problems)
        } catch {
            throw ELFFinding(path: path, problem: error)
        }
        Self.checkSectionHeaderTable(reader, header: header, findings: &problems)

        let debugFile = Self.isSeparateDebugFile(programHeaders)
        var interpreter: String?
        if !debugFile, let segment = programHeaders.first(where: { $0.type == .interpreter }) {
            let (limit, overflow) = segment.offset.addingReportingOverflow(segment.fileSize)
            do {
                interpreter = try reader.cString(
                    "program interpreter (PT_INTERP)", at: segment.offset,
                    limit: overflow ? .max : limit)
            } catch {
                problems.append(error)
            }
        }

        let map = AddressMap(programHeaders)
        var dynamic: DynamicSection?
        var requirements: [VersionRequirement] = []
        var definitions: [VersionDefinition] = []
        if !debugFile, let segment = programHeaders.first(where: { $0.type == .dynamic }) {
            let (section, strings) = DynamicSection.parse(
                reader, segment: segment, fileClass: header.fileClass,
                map: map, findings: &problems)
            dynamic = section
            if let strings, let address = section.value(of: .versionRequirements) {
                requirements = VersionRequirement.parse(
                    reader, address: address, count: section.value(of: .versionRequirementCount) ?? 0,
                    map: map, strings: strings, findings: &problems)
            }
            if let strings, let address = section.value(of: .versionDefinitions) {
                definitions = VersionDefinition.parse(
                    reader, address: address, count: section.value(of: .versionDefinitionCount) ?? 0,
                    map: map, strings: strings, findings: &problems)
            }
        }

        let goBuildInfo = GoBuildInfo.find(reader, programHeaders: programHeaders, findings: &problems)

        self.path = path
        self.fileSize = reader.size
        self.header = header
        self.programHeaders = programHeaders
        self.interpreter = interpreter
        self.dynamic = dynamic
        self.versionRequirements = requirements
        self.versionDefinitions = definitions
        self.goBuildInfo = goBuildInfo
        self.findings = problems.map { ELFFinding(path: path, problem: $0) }
    }

    /// Reads the program header table. Throws when it cannot be used at all (bad entry size);
    /// entries cut off by the end of the file, and segments extending past it, become findings.
    private static func programHeaders(
        _ reader: ByteReader, header: ELFHeader, findings: inout [ELFProblem]
    ) throws(ELFProblem) -> [ProgramHeader] {
        guard header.programHeaderCount > 0 else { return [] }
        let minimum = ProgramHeader.size(of: header.fileClass)
        guard header.programHeaderEntrySize >= minimum else {
            throw .invalid(what: "ELF header", detail: "e_phentsize is \(header.programHeaderEntrySize), less than \(minimum)")
        }
        // The kernel refuses program header tables over 64 KiB; so does this parser, which also
        // bounds the work a hostile PN_XNUM count can cause.
        let tableSize = UInt64(header.programHeaderCount) * UInt64(header.programHeaderEntrySize)
        guard tableSize <= 65536 else {
            throw .invalid(
                what: "program header table",
                detail: "\(header.programHeaderCount) entries of \(header.programHeaderEntrySize) bytes exceed 64 KiB")
        }
        // A table cut short is unusable, not a file without segments: the kernel refuses to
        // run it, and classifying what was read would call a truncated executable static.
        var result: [ProgramHeader] = []
        for index in 0..<header.programHeaderCount {
            result.append(try ProgramHeader.parse(reader, header: header, index: index))
        }
        for (index, segment) in result.enumerated() where segment.type == .load && !segment.fitsInFile(of: reader.size) {
            findings.append(
                .truncated(
                    what: "segment \(index) (PT_LOAD)", offset: segment.offset,
                    length: segment.fileSize, fileSize: reader.size))
        }
        return result
    }

    /// Records a finding when the section header table lies (partly) beyond the end of the file.
    private static func checkSectionHeaderTable(_ reader: ByteReader, header: ELFHeader, findings: inout [ELFProblem]) {
        guard header.sectionHeaderOffset != 0 else { return }
        let (length, overflow) = header.sectionHeaderCount.multipliedReportingOverflow(by: UInt64(header.sectionHeaderEntrySize))
        if overflow || !reader.contains(offset: header.sectionHeaderOffset, length: length) {
            findings.append(
                .truncated(
                    what: "section header table", offset: header.sectionHeaderOffset,
                    length: overflow ? .max : length, fileSize: reader.size))
        }
    }
}
