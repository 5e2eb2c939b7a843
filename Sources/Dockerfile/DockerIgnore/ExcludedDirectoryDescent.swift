/// Whether a walker must look inside a directory that the rules exclude, because an
/// exception might include something below it. It is BuildKit's (fsutil's) rule:
///
/// - with no exceptions, an excluded directory is skipped whole;
/// - when an exception contains a wildcard (`*?[]^\`, ignoring a trailing `/*` or
///   `/**`), anything might be re-included anywhere, so every excluded directory is
///   walked;
/// - otherwise an excluded directory is walked only when some exception names it or a
///   path inside it, as `!docs/keep.md` does for `docs`.
enum ExcludedDirectoryDescent: Sendable {
    private static let wildcardScalars: Set<Unicode.Scalar> = ["*", "?", "[", "]", "^", "\\"]

    /// No exceptions: skip every excluded directory.
    case never
    /// A wildcard exception: walk every excluded directory.
    case always
    /// Walk an excluded directory when one of these exception paths is it or lies inside it.
    case towardExceptionPaths([[Unicode.Scalar]])

    /// The rule for a `.dockerignore` made of `patterns`.
    init(patterns: [IgnorePattern]) {
        let exceptionPaths = patterns.filter(\.isException).map { Self.pathWithoutTrailingWildcard($0.glob.pattern) }
        if exceptionPaths.isEmpty {
            self = .never
        } else if exceptionPaths.contains(where: { $0.contains(where: Self.wildcardScalars.contains) }) {
            self = .always
        } else {
            self = .towardExceptionPaths(exceptionPaths)
        }
    }

    /// Whether an excluded directory at `directory` (cleaned, relative) must be walked.
    func mustDescend(into directory: [Unicode.Scalar]) -> Bool {
        switch self {
        case .never:
            false
        case .always:
            true
        case .towardExceptionPaths(let paths):
            paths.contains { ($0 + ["/"]).starts(with: directory + ["/"]) }
        }
    }

    /// `pattern` without a final `/**` or then `/*`, the way fsutil strips them.
    private static func pathWithoutTrailingWildcard(_ pattern: String) -> [Unicode.Scalar] {
        var scalars = Array(pattern.unicodeScalars)
        for suffix in ["/**", "/*"] where scalars.ends(with: suffix) {
            scalars.removeLast(suffix.unicodeScalars.count)
        }
        return scalars
    }
}

extension Array where Element == Unicode.Scalar {
    fileprivate func ends(with suffix: String) -> Bool {
        reversed().starts(with: suffix.unicodeScalars.reversed())
    }
}
