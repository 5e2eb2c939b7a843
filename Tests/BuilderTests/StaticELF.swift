import Foundation

/// A static executable for `machine` (`e_machine`): an ELF64 header alone, which is all the
/// class and machine test reads.
func staticELF(machine: UInt16) -> Data {
    var bytes = [UInt8](repeating: 0, count: 64)
    bytes[0...3] = [0x7F, 0x45, 0x4C, 0x46]
    bytes[4] = 2; bytes[5] = 1; bytes[6] = 1
    bytes[16] = 2  // ET_EXEC
    bytes[18] = UInt8(machine & 0xFF); bytes[19] = UInt8(machine >> 8)
    bytes[20] = 1
    bytes[52] = 64  // e_ehsize
    bytes[54] = 56  // e_phentsize
    return Data(bytes)
}
