/// Go build-information blobs as the Go linker writes them, for synthetic Go binaries.
enum GoBlob {
    /// The 14-byte marker.
    static let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)

    /// The module text between the two 16-byte sentinels `cmd/go` frames it with.
    static func framed(_ module: String) -> [UInt8] {
        let sentinel = [UInt8](repeating: 0x31, count: 16)
        return sentinel + Array(module.utf8) + sentinel
    }

    /// Go 1.18+: header (flags bit 1 set), then version and framed module text inline, each
    /// prefixed by its length as a varint.
    static func inline(version: String, module: String) -> [UInt8] {
        func varintString(_ bytes: [UInt8]) -> [UInt8] {
            var length = UInt64(bytes.count)
            var out: [UInt8] = []
            repeat {
                out.append(UInt8(length & 0x7f) | (length >= 0x80 ? 0x80 : 0))
                length >>= 7
            } while length > 0
            return out + bytes
        }
        let header = magic + [8, 0x2] + [UInt8](repeating: 0, count: 16)
        return header + varintString(Array(version.utf8)) + varintString(framed(module))
    }

    /// Before Go 1.18: the header holds the pointer size, the byte order (0 little, 1 big) and
    /// two pointers to Go string headers (data pointer, length); here the string headers follow
    /// the header and the bytes follow them. `address` is where the blob is loaded. The
    /// `override` hooks let tests point a pointer or a length somewhere else.
    static func pointers(
        address: UInt64, pointerSize: Int, bigEndian: Bool, version: String, module: [UInt8],
        versionHeaderOverride: UInt64? = nil, moduleLengthOverride: UInt64? = nil
    ) -> [UInt8] {
        var writer = SyntheticELF.Writer(bigEndian: bigEndian)
        let headers = address + 32
        let versionData = headers + UInt64(4 * pointerSize)
        let moduleData = versionData + UInt64(version.utf8.count)
        writer.bytes = magic + [UInt8(pointerSize), bigEndian ? 1 : 0]
        writer.integer(versionHeaderOverride ?? headers, width: pointerSize)
        writer.integer(headers + UInt64(2 * pointerSize), width: pointerSize)
        writer.bytes += [UInt8](repeating: 0, count: 32 - writer.bytes.count)
        writer.integer(versionData, width: pointerSize)
        writer.integer(UInt64(version.utf8.count), width: pointerSize)
        writer.integer(moduleData, width: pointerSize)
        writer.integer(moduleLengthOverride ?? UInt64(module.count), width: pointerSize)
        return writer.bytes + Array(version.utf8) + module
    }
}
