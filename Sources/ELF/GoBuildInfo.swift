/// The build information the Go linker embeds in every Go executable, found by its
/// `\xff Go buildinf:` marker.
///
/// The blob is looked for the way Go's own `debug/buildinfo` does when a file has no
/// `.go.buildinfo` section: at a 16-byte boundary in a writable, non-executable `PT_LOAD`
/// segment. Every such segment is searched in full (the section sits after `.data` in
/// externally linked, cgo binaries), so section headers are not needed. Both layouts are
/// read: Go 1.18 and later store the strings inline after the 32-byte header; older releases
/// store pointers to Go string headers (see ``readPointers(_:at:map:)``).
public struct GoBuildInfo: Sendable, Equatable {
    /// The Go release that built the file, e.g. `go1.19.8`.
    public let version: String
    /// The module information (`path`, `mod`, `dep` and, from Go 1.18, `build` lines)
    /// without its sentinel framing; nil when the binary records none (a GOPATH build).
    public let moduleInfo: String?

    /// `CGO_ENABLED` from the `build` lines (Go 1.18+): true when the build allowed C code,
    /// false when it did not, nil when not recorded. Whether the file links a C library is
    /// told by its interpreter and `DT_NEEDED` (``LibC``): a program with no cgo code is
    /// static even when built with `CGO_ENABLED=1`.
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
    /// Size of the blob header: magic, pointer size, flags, then (before Go 1.18) two pointers.
    static let headerSize: UInt64 = 32
    /// What findings about the blob call it.
    static let what = "Go build info"

    /// The blob in the first writable segment that has one, or nil for files not built by Go.
    /// A blob whose strings cannot be read (cut off by the end of the file, pointing outside
    /// the segments) becomes a finding.
    static func find(_ reader: ByteReader, programHeaders: [ProgramHeader], findings: inout [ELFProblem]) -> GoBuildInfo? {
        for segment in programHeaders where segment.type == .load && segment.flags & 0x3 == 0x2 {
            guard segment.offset < reader.size else { continue }
            let end = segment.offset + min(segment.fileSize, reader.size - segment.offset)
            var at = (segment.offset + 15) & ~15
            while at < end && end - at >= headerSize {
                if reader.byte(at: at) == 0xff && reader.bytes(at: at, count: magic.count).elementsEqual(magic) {
                    do {
                        return try parse(reader, at: at, map: AddressMap(programHeaders))
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

    /// Parses the blob whose header starts at `at` (already known to hold the magic and to
    /// lie inside the file). Nil when the version is empty, which Go does not count as a Go binary.
    private static func parse(_ reader: ByteReader, at: UInt64, map: AddressMap) throws(ELFProblem) -> GoBuildInfo? {
        let flags = reader.byte(at: at + 15)
        let version: [UInt8]
        let module: [UInt8]
        if flags & 0x2 != 0 {
            var cursor = at + headerSize
            version = try inlineString(reader, at: &cursor)
            module = try inlineString(reader, at: &cursor)
        } else {
            (version, module) = try readPointers(reader, at: at, map: map)
        }
        guard !version.isEmpty else { return nil }
        return GoBuildInfo(version: String(decoding: version, as: UTF8.self), moduleInfo: unframed(module))
    }

    /// The module text inside its two 16-byte binary sentinels (the second after a newline),
    /// or nil when it is not framed that way, as `debug/buildinfo` decides.
    private static func unframed(_ module: [UInt8]) -> String? {
        guard module.count >= 33 && module[module.endIndex - 17] == UInt8(ascii: "\n") else { return nil }
        return String(decoding: module[(module.startIndex + 16)..<(module.endIndex - 16)], as: UTF8.self)
    }

    /// Reads bytes prefixed by their count as an unsigned LEB128 varint, advancing `cursor`.
    private static func inlineString(_ reader: ByteReader, at cursor: inout UInt64) throws(ELFProblem) -> [UInt8] {
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
        let start = cursor
        cursor += length
        return reader.bytes(at: start, count: Int(length))
    }
}
