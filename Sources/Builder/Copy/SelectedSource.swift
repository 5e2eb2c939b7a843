/// A source path a `COPY` pattern selected, before its tree is walked.
struct SelectedSource: Sendable {
    /// The path as the pattern named it, cleaned and relative to the tree's root: where
    /// the destination name and `--parents` paths come from.
    var lexicalPath: String
    /// Where it leads once symlinks (inside the tree) are followed.
    var realPath: String
    /// How much of ``lexicalPath`` `--parents` drops: the part before a `/./` pivot.
    var parentsPivot: String

    /// The name a copy gives it inside a destination directory.
    var name: String {
        lexicalPath.split(separator: "/").last.map(String.init) ?? ""
    }

    /// The directories `--parents` recreates above it, relative to the destination.
    var parentsDirectory: [String] {
        var components = lexicalPath.split(separator: "/").map(String.init)
        let pivot = parentsPivot.split(separator: "/").count
        components.removeFirst(min(pivot, components.count))
        return Array(components.dropLast())
    }
}
