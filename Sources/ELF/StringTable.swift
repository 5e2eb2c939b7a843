/// The dynamic string table (`DT_STRTAB`, `DT_STRSZ`): strings are named by their offset in it.
struct StringTable: Sendable {
    /// File offset of the table.
    let offset: UInt64
    /// Size of the table in bytes.
    let size: UInt64

    /// The longest name read (NUL included): `PATH_MAX`, beyond which the loader could not
    /// open a library by that name anyway. Search paths may be longer (``maximumPathListLength``).
    static let maximumNameLength: UInt64 = 4096
    /// The longest `DT_RPATH` / `DT_RUNPATH` read (NUL included).
    static let maximumPathListLength: UInt64 = 1 << 20

    /// The NUL-terminated string at `index`, which must lie inside the table and the file and
    /// be at most `maximumLength` bytes long with its NUL.
    func string(
        _ reader: ByteReader, at index: UInt64, for what: String,
        maximumLength: UInt64 = maximumNameLength
    ) throws(ELFProblem) -> String {
        guard index < size else {
            throw .invalid(what: what, detail: "string offset \(hex(index)) is outside the string table (size \(hex(size)))")
        }
        let (start, overflow) = offset.addingReportingOverflow(index)
        guard !overflow else {
            throw .invalid(what: what, detail: "string offset \(hex(index)) overflows the address space")
        }
        let (limit, limitOverflow) = offset.addingReportingOverflow(size)
        return try reader.cString(what, at: start, limit: limitOverflow ? .max : limit, maximumLength: maximumLength)
    }
}
