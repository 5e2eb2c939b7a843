/// One symbol version a file requires from a library (a `Vernaux` entry), e.g. `GLIBC_2.34`.
public struct RequiredVersion: Sendable, Equatable {
    /// The version name.
    public let name: String
    /// The ELF hash of the name (`vna_hash`).
    public let hash: UInt32
    /// `vna_flags`; bit `0x2` (`VER_FLG_WEAK`) marks a weak requirement.
    public let flags: UInt16
    /// The version index symbols use to refer to this requirement (`vna_other`).
    public let index: UInt16

    /// Whether the requirement is weak (a missing version is not fatal to the loader).
    public var isWeak: Bool { flags & 0x2 != 0 }
}

/// The versions a file requires from one library (a `Verneed` entry of `DT_VERNEED`).
public struct VersionRequirement: Sendable, Equatable {
    /// The library file name as in `DT_NEEDED`, e.g. `libc.so.6`.
    public let file: String
    /// The versions required from it, in file order.
    public let versions: [RequiredVersion]

    /// Reads `count` `Verneed` entries at virtual address `address`. Damage is appended to
    /// `findings`; loops are bounded by `count` and by the file size, so cycles cannot hang.
    static func parse(
        _ reader: ByteReader, address: UInt64, count: UInt64, map: AddressMap, strings: StringTable,
        findings: inout [ELFProblem]
    ) -> [VersionRequirement] {
        var result: [VersionRequirement] = []
        // Each entry is at least 16 bytes, so a file cannot hold more distinct ones than this.
        var budget = reader.size / 16 + 1
        do throws(ELFProblem) {
            var at = try map.fileOffset(of: address, for: "DT_VERNEED")
            for _ in 0..<min(count, budget) {
                let what = "version requirement (DT_VERNEED)"
                try reader.require(what, offset: at, length: 16)
                let version = try reader.u16(what, at: at)
                guard version == 1 else {
                    throw ELFProblem.invalid(what: what, detail: "vn_version \(version) at offset \(hex(at)), expected 1")
                }
                let auxCount = try reader.u16(what, at: at + 2)
                let file = try strings.string(reader, at: UInt64(try reader.u32(what, at: at + 4)), for: what)
                var auxAt = at + UInt64(try reader.u32(what, at: at + 8))
                let next = UInt64(try reader.u32(what, at: at + 12))
                var versions: [RequiredVersion] = []
                for _ in 0..<auxCount {
                    guard budget > 0 else {
                        throw ELFProblem.invalid(what: what, detail: "more entries than the file can hold (a loop?)")
                    }
                    budget -= 1
                    let auxWhat = "required version (Vernaux)"
                    try reader.require(auxWhat, offset: auxAt, length: 16)
                    let nameOffset = UInt64(try reader.u32(auxWhat, at: auxAt + 8))
                    versions.append(
                        RequiredVersion(
                            name: try strings.string(reader, at: nameOffset, for: auxWhat),
                            hash: try reader.u32(auxWhat, at: auxAt),
                            flags: try reader.u16(auxWhat, at: auxAt + 4),
                            index: try reader.u16(auxWhat, at: auxAt + 6)
                        ))
                    let auxNext = UInt64(try reader.u32(auxWhat, at: auxAt + 12))
                    if auxNext == 0 { break }
                    auxAt += auxNext
                }
                result.append(VersionRequirement(file: file, versions: versions))
                if next == 0 { break }
                at += next
            }
        } catch {
            findings.append(error)
        }
        return result
    }
}
