/// The build information the Go linker embeds in every Go executable, found by its
/// `\xff Go buildinf:` marker.
///
/// The blob is looked for the way Go's own `debug/buildinfo` does when a file has no
/// `.go.buildinfo` section: at a 16-byte boundary in a writable, non-executable `PT_LOAD`
/// segment. Every such segment is searched in full (the section sits after `.data` in
/// externally linked, cgo binaries), so section headers are not needed.
public struct GoBuildInfo: Sendable, Equatable {
    /// The Go release that built the file, e.g. `go1.19.8`; nil for binaries from before Go 1.18,
    /// whose blob holds pointers to the version rather than the version itself.
    public let version: String?
    /// The module information (`path`, `mod`, `dep` and `build` lines); nil when not inline.
    public let moduleInfo: String?

    /// `CGO_ENABLED` from the `build` lines (Go 1.18+): true when the binary links C code
    /// (and so a C library), false when it does not, nil when not recorded.
    public var cgoEnabled: Bool? {
        guard let moduleInfo else { return nil }
        for line in moduleInfo.split(separator: "\n") {
            if line == "build\tCGO_ENABLED=1" { return true }
            if line == "build\tCGO_ENABLED=0" { return false }
        }
        return nil
    }

    /// The marker at the start of the 32-byte blob header.
    static let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)
    /// Size of the blob header: magic, pointer size, flags, padding.
    static let headerSize: UInt64 = 32

    /// The blob in the first writable segment that has one, or nil for files not built by Go.
    /// A blob whose inline strings run past the end of the file becomes a finding.
    static func find(_ reader: ByteReader, programHeaders: [ProgramHeader], findings: inout [ELFProblem]) -> GoBuildInfo? {
        for segment in programHeaders where segment.type == .load && segment.flags & 0x3 == 0x2 {
            guard segment.offset < reader.size else { continue }
            let end = min(segment.offset + min(segment.fileSize, reader.size - segment.offset), reader.size)
            var at = (segment.offset + 15) & ~15
            while at + headerSize <= end {
                if reader.bytes[Int(at)] == 0xff && reader.bytes[Int(at)..<Int(at) + magic.count].elementsEqual(magic) {
                    do {
                        return try parse(reader, at: at)
                    } catch {
                        findings.append(error)
                        return nil
                    }
                }
                at += 16
            }
        }
        return nil
    }

    /// Parses the blob whose header starts at `at` (already known to hold the magic).
    private static func parse(_ reader: ByteReader, at: UInt64) throws(ELFProblem) -> GoBuildInfo {
        let flags = reader.bytes[Int(at) + 15]
        guard flags & 0x2 != 0 else {
            return GoBuildInfo(version: nil, moduleInfo: nil)
        }
        var cursor = at + headerSize
        let version = try string(reader, at: &cursor)
        var module = try string(reader, at: &cursor)
        // The module text is framed by two 16-byte binary sentinels, the second after a newline.
        if module.count >= 33 && module[module.endIndex - 17] == UInt8(ascii: "\n") {
            module = module[(module.startIndex + 16)..<(module.endIndex - 16)]
        }
        return GoBuildInfo(version: String(decoding: version, as: UTF8.self),
                           moduleInfo: String(decoding: module, as: UTF8.self))
    }

    /// Reads bytes prefixed by their count as an unsigned LEB128 varint, advancing `cursor`.
    private static func string(_ reader: ByteReader, at cursor: inout UInt64) throws(ELFProblem) -> ArraySlice<UInt8> {
        let what = "Go build info"
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try reader.unsigned(what, at: cursor, width: 1)
            cursor += 1
            guard shift < 64 else { throw .invalid(what: what, detail: "string length varint longer than 10 bytes") }
            length |= (byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        try reader.require(what, offset: cursor, length: length)
        let start = Int(cursor)
        cursor += length
        return reader.bytes[start..<Int(cursor)]
    }
}
