/// The build information layout of Go releases before 1.18.
extension GoBuildInfo {
    /// Reads the version and module strings of a blob whose header (at `at`) holds pointers:
    /// byte 14 is the pointer size (4 or 8), byte 15 the pointers' byte order (0 little,
    /// 1 big endian), and the two pointers at offsets 16 and 16 + size are virtual addresses
    /// of Go string headers (data pointer, length), each mapped through the `PT_LOAD` segments.
    /// Every address and length is checked against the segments and the file.
    static func readPointers(_ reader: ByteReader, at: UInt64, map: AddressMap) throws(ELFProblem) -> ([UInt8], [UInt8]) {
        let size = UInt64(reader.byte(at: at + 14))
        guard size == 4 || size == 8 else {
            throw .invalid(what: what, detail: "pointer size \(size) at offset \(hex(at + 14)), expected 4 or 8")
        }
        let pointers = reader.reading(bigEndian: reader.byte(at: at + 15) & 0x1 != 0)
        let version = try string(
            pointers, header: try pointers.unsigned(what, at: at + 16, width: Int(size)),
            size: size, map: map, name: "version")
        let module = try string(
            pointers, header: try pointers.unsigned(what, at: at + 16 + size, width: Int(size)),
            size: size, map: map, name: "module information")
        return (version, module)
    }

    /// The bytes of the Go string whose header (data pointer, then length) is at virtual address `header`.
    private static func string(_ reader: ByteReader, header: UInt64, size: UInt64, map: AddressMap, name: String) throws(ELFProblem)
        -> [UInt8]
    {
        let headerWhat = "\(what) \(name) string header"
        let at = try map.fileOffset(of: header, length: 2 * size, in: reader, for: headerWhat)
        let address = try reader.unsigned(headerWhat, at: at, width: Int(size))
        let length = try reader.unsigned(headerWhat, at: at + size, width: Int(size))
        if length == 0 { return [] }
        let start = try map.fileOffset(of: address, length: length, in: reader, for: "\(what) \(name)")
        return reader.bytes(at: start, count: Int(length))
    }
}
