/// Purely lexical path clean-up, done the way Go's `filepath.Clean` does it on Linux,
/// which is how BuildKit normalises both `.dockerignore` patterns and the paths it checks.
public enum LexicalPathCleaning {
    /// The shortest path naming the same place as `path` by lexical processing alone:
    /// repeated `/` collapse, `.` elements go, `x/..` pairs go, a trailing `/` goes,
    /// `..` just under the root of a rooted path goes, and an empty result becomes `.`.
    public static func clean(_ path: String) -> String {
        let isRooted = path.unicodeScalars.first == "/"
        var kept: [String] = []
        for element in path.unicodeScalars.split(separator: "/") {
            apply(String(String.UnicodeScalarView(element)), to: &kept, isRooted: isRooted)
        }
        let joined = kept.joined(separator: "/")
        if isRooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `path`, relative to a build context's root, cleaned and without a leading `/`;
    /// `nil` when it names the root itself (`""`, `"."`, `"/"`, `"a/.."` ...).
    static func contextRelative(_ path: String) -> String? {
        let cleaned = clean(path)
        let relative = cleaned.unicodeScalars.first == "/" ? String(cleaned.unicodeScalars.dropFirst()) : cleaned
        return relative.isEmpty || relative == "." ? nil : relative
    }

    private static func apply(_ element: String, to kept: inout [String], isRooted: Bool) {
        switch element {
        case ".":
            return
        case "..":
            if let last = kept.last, last != ".." {
                kept.removeLast()
            } else if !isRooted {
                kept.append("..")
            }
        default:
            kept.append(element)
        }
    }
}
