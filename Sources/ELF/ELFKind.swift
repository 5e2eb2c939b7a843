/// What kind of file something is, as far as running it in an image is concerned.
public enum ELFKind: Sendable, Equatable {
    /// Not an ELF file at all.
    case notELF
    /// An executable with no interpreter, loaded at fixed addresses (`ET_EXEC`).
    case staticExecutable
    /// A position-independent executable with no interpreter: it relocates itself.
    case staticPIE
    /// An executable that needs its `PT_INTERP` loader, PIE or not.
    case dynamicExecutable
    /// A shared library (`ET_DYN` that is neither a PIE nor has an interpreter of its own).
    case sharedLibrary
    /// Any other ELF type: relocatable objects, core dumps, OS-specific types.
    case other(ELFType)

    /// Classifies a parsed file.
    ///
    /// `ET_DYN` files are told apart by `DF_1_PIE`: set with an interpreter means a dynamic
    /// executable, set without one a static PIE. Without the flag (older linkers), an
    /// interpreter and no `DT_SONAME` still mean an executable; otherwise it is a library.
    /// Libraries that can also be run (glibc's `libc.so.6`) have a `DT_SONAME` and count as libraries.
    public init(_ file: ELFFile) {
        let hasInterpreter = file.interpreter != nil
        switch file.header.type {
        case .executable:
            self = hasInterpreter ? .dynamicExecutable : .staticExecutable
        case .sharedObject:
            let pie = file.dynamic?.flags1.contains(.pie) ?? false
            if pie {
                self = hasInterpreter ? .dynamicExecutable : .staticPIE
            } else if hasInterpreter && file.soname == nil {
                self = .dynamicExecutable
            } else if !file.isDynamic && !hasInterpreter {
                self = .staticPIE
            } else {
                self = .sharedLibrary
            }
        default:
            self = .other(file.header.type)
        }
    }

    /// Classifies the file at `path`: ``notELF`` when it lacks the ELF magic; other read
    /// problems (unreadable, too large, corrupt header) are thrown.
    public static func of(path: String, sizeLimit: Int = ELFFile.defaultSizeLimit) throws(ELFFinding) -> ELFKind {
        do {
            return ELFKind(try ELFFile(path: path, sizeLimit: sizeLimit))
        } catch  where error.problem == .notELF {
            return .notELF
        }
    }
}
