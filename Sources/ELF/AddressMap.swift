/// Translates virtual addresses (as stored in dynamic entries) to file offsets through the
/// `PT_LOAD` segments, which is what the loader itself does; section headers are not needed.
struct AddressMap: Sendable {
    /// The `PT_LOAD` segments, in program header order.
    let loads: [ProgramHeader]

    /// Builds the map from all program headers.
    init(_ programHeaders: [ProgramHeader]) {
        loads = programHeaders.filter { $0.type == .load }
    }

    /// The file offset of `address`, or an ``ELFProblem/invalid(what:detail:)`` naming `what`
    /// when no `PT_LOAD` segment maps that address from the file.
    func fileOffset(of address: UInt64, for what: String) throws(ELFProblem) -> UInt64 {
        for segment in loads {
            if let offset = segment.fileOffset(of: address) { return offset }
        }
        throw .invalid(what: what, detail: "address \(hex(address)) is not in any PT_LOAD segment's file image")
    }

    /// The file offset of `length` bytes at `address`, which must all lie in the file image of
    /// one `PT_LOAD` segment (as Go's `debug/buildinfo` reads them) and inside the file.
    func fileOffset(of address: UInt64, length: UInt64, in reader: ByteReader, for what: String) throws(ELFProblem) -> UInt64 {
        for segment in loads {
            guard let offset = segment.fileOffset(of: address) else { continue }
            // fileOffset(of:) guarantees address - virtualAddress < fileSize.
            guard length <= segment.fileSize - (address - segment.virtualAddress) else {
                throw .invalid(
                    what: what, detail: "\(hex(length)) bytes at address \(hex(address)) run past the end of their PT_LOAD segment")
            }
            try reader.require(what, offset: offset, length: length)
            return offset
        }
        throw .invalid(what: what, detail: "address \(hex(address)) is not in any PT_LOAD segment's file image")
    }
}
