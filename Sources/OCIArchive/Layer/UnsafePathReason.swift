/// Why an entry's path, or its hard link's target, was refused.
public enum UnsafePathReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// It starts with `/`.
    case absolute
    /// It has a `..` component.
    case parentComponent
    /// A directory on the way is a symlink in the extracted tree (the prefix named here).
    case throughSymlink(String)
    /// It is longer than `PATH_MAX`, which no other tool could use.
    case tooLong
    /// A `.wh.` whiteout whose name is empty or `.`: it would delete its own directory.
    case whiteoutWithoutName
    /// Its `..` components climb above the extraction root (where `..` is allowed).
    case leavesRoot
    /// It is a symlink whose relative target (named here) climbs above the extraction root.
    case symlinkLeavesRoot(ArchivePath)

    public var description: String {
        switch self {
        case .absolute: return "is absolute"
        case .parentComponent: return "has a '..' component"
        case .throughSymlink(let prefix): return "goes through the symlink '\(prefix)'"
        case .tooLong: return "is longer than PATH_MAX"
        case .whiteoutWithoutName: return "is a whiteout without a name"
        case .leavesRoot: return "climbs above the extraction root"
        case .symlinkLeavesRoot(let target): return "is a symlink to '\(target)', outside the extraction root"
        }
    }
}
