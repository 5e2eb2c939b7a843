/// A problem that would stop an executable from starting in the image, worded as the
/// message the user would see at run time.
public enum ResolutionFinding: Sendable, Equatable, CustomStringConvertible {
    /// The `PT_INTERP` loader does not exist in the image.
    case interpreterMissing(executable: String, interpreter: String)
    /// A `DT_NEEDED` library was found nowhere the loader searches.
    case libraryMissing(name: String, requiredBy: String)
    /// `library` (as resolved in the image) does not define a non-weak version `requiredBy` needs.
    case versionMissing(library: String, version: String, requiredBy: String)
    /// `path` (the loader, or a library named by path) has another class or machine than the executable.
    case wrongArchitecture(path: String, expected: ELFPlatform, found: ELFPlatform)
    /// A file the loader would open (the interpreter) could not be parsed.
    case unreadable(ELFFinding)

    /// The run-time message, with what is missing.
    public var description: String {
        switch self {
        case .interpreterMissing(let executable, let interpreter):
            return "exec \(executable): no such file or directory (the interpreter \(interpreter) is missing from the image)"
        case .libraryMissing(let name, let requiredBy):
            return
                "error while loading shared libraries: \(name): cannot open shared object file: No such file or directory (needed by \(requiredBy))"
        case .versionMissing(let library, let version, let requiredBy):
            return "\(library): version '\(version)' not found (required by \(requiredBy))"
        case .wrongArchitecture(let path, let expected, let found):
            return "\(path): wrong ELF class or machine: \(found), expected \(expected)"
        case .unreadable(let finding):
            return "cannot load \(finding)"
        }
    }
}
