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
}
