/// Lexical clean-up of a path that lives inside a root: `.` and empty components go,
/// `..` removes the component before it and stops at the root, as Go's
/// `filepath.Join("/", path)` does for BuildKit. The result has no leading `/`.
public enum RootedPath {
    /// The components of `path` once cleaned; empty for the root itself.
    public static func components(_ path: String) -> [String] {
        var kept: [String] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !kept.isEmpty { kept.removeLast() }
            default: kept.append(String(component))
            }
        }
        return kept
    }

    /// `path` cleaned, as a relative string (`""` for the root).
    public static func clean(_ path: String) -> String {
        components(path).joined(separator: "/")
    }

    /// `name` appended to the relative path `directory`.
    public static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory + "/" + name
    }
}
