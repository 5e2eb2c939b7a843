/// One version a shared library defines (a `Verdef` entry of `DT_VERDEF`), e.g. `GLIBC_2.34`.
public struct VersionDefinition: Sendable, Equatable {
    /// The version index symbols use to refer to this definition (`vd_ndx`).
    public let index: UInt16
    /// `vd_flags`; bit `0x1` (`VER_FLG_BASE`) marks the file's own name, not a real version.
    public let flags: UInt16
    /// The ELF hash of the name (`vd_hash`).
    public let hash: UInt32
    /// The defined name first, then the names of its parent versions.
    public let names: [String]

    /// The defined version name (the first `Verdaux`), or "" when the entry has none.
    public var name: String { names.first ?? "" }

    /// Whether this is the base definition (the library's own soname), not a symbol version.
    public var isBase: Bool { flags & 0x1 != 0 }

    /// Reads `count` `Verdef` entries at virtual address `address`. Damage is appended to
    /// `findings`; loops are bounded by `count` and by the file size, so cycles cannot hang.
    static func parse(
        _ reader: ByteReader, address: UInt64, count: UInt64, map: AddressMap, strings: StringTable,
        findings: inout [ELFProblem]
    ) -> [VersionDefinition] {
        var result: [VersionDefinition] = []
        // Each Verdaux is at least 8 bytes, so a file cannot hold more distinct entries than this.
        var budget = reader.size / 8 + 1
        do throws(ELFProblem) {
            var at = try map.fileOffset(of: address, for: "DT_VERDEF")
            for _ in 0..<min(count, budget) {
                let what = "version definition (DT_VERDEF)"
                try reader.require(what, offset: at, length: 20)
                let version = try reader.u16(what, at: at)
                guard version == 1 else {
                    throw ELFProblem.invalid(what: what, detail: "vd_version \(version) at offset \(hex(at)), expected 1")
                }
                let auxCount = try reader.u16(what, at: at + 6)
                var auxAt = at + UInt64(try reader.u32(what, at: at + 12))
                var names: [String] = []
                for _ in 0..<auxCount {
                    guard budget > 0 else {
                        throw ELFProblem.invalid(what: what, detail: "more entries than the file can hold (a loop?)")
                    }
                    budget -= 1
                    let auxWhat = "version definition name (Verdaux)"
                    try reader.require(auxWhat, offset: auxAt, length: 8)
                    names.append(try strings.string(reader, at: UInt64(try reader.u32(auxWhat, at: auxAt)), for: auxWhat))
                    let auxNext = UInt64(try reader.u32(auxWhat, at: auxAt + 4))
                    if auxNext == 0 { break }
                    auxAt += auxNext
                }
                result.append(
                    VersionDefinition(
                        index: try reader.u16(what, at: at + 4),
                        flags: try reader.u16(what, at: at + 2),
                        hash: try reader.u32(what, at: at + 8),
                        names: names
                    ))
                let next = UInt64(try reader.u32(what, at: at + 16))
                if next == 0 { break }
                at += next
            }
        } catch {
            findings.append(error)
        }
        return result
    }
}
