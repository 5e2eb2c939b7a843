/// How an executable must be linked to pass `swiftbuild elf --require`: judged from the
/// file's own headers (its kind, interpreter and `DT_NEEDED`), so Go binaries are held to the
/// same rule as C ones. A static Go binary is static whatever `CGO_ENABLED` was at build
/// time; a cgo binary links the C library its interpreter and `DT_NEEDED` name.
public enum LinkageRequirement: String, Sendable, CaseIterable {
    /// No interpreter: a static executable or a static PIE.
    case `static`
    /// Dynamically linked against glibc (and not also musl).
    case glibc
    /// Dynamically linked against musl (and not also glibc).
    case musl

    /// Whether `file` is linked this way.
    public func isSatisfied(by file: ELFFile) -> Bool {
        switch self {
        case .static:
            let kind = ELFKind(file)
            return kind == .staticExecutable || kind == .staticPIE
        case .glibc:
            return LibC(file) == .glibc
        case .musl:
            return LibC(file) == .musl
        }
    }
}
