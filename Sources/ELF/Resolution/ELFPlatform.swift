/// The ELF class and machine of a file: what must match between an executable, its loader
/// and its libraries.
public struct ELFPlatform: Sendable, Equatable, CustomStringConvertible {
    /// 32 or 64 bit.
    public let fileClass: ELFClass
    /// The machine (`e_machine`).
    public let machine: ELFMachine

    /// The platform of a parsed file.
    public init(_ file: ELFFile) {
        fileClass = file.header.fileClass
        machine = file.header.machine
    }

    /// E.g. "ELFCLASS64 x86_64".
    public var description: String {
        (fileClass == .elf64 ? "ELFCLASS64 " : "ELFCLASS32 ") + machine.description
    }
}
