/// The exclusion rules of a build context's `.dockerignore`, with the semantics of the
/// Dockerfile reference and, where it is silent, of BuildKit (moby's patternmatcher).
///
/// The file holds one ``IgnorePattern`` per line. A line whose first character is `#`
/// is a comment; blank lines are skipped; a UTF-8 byte-order mark is ignored. Paths are
/// checked relative to the context root with `/` separators. The last rule that applies
/// to a path decides: it is excluded when that rule is a plain pattern, included when it
/// is a `!` exception or when no rule applies. The context root is never excluded.
///
/// ```swift
/// let ignore = try DockerIgnore(contents: "*.md\n!README.md\n")
/// ignore.isExcluded("CHANGES.md")  // true
/// ignore.isExcluded("README.md")   // false
/// ```
public struct DockerIgnore: Sendable {
    /// The rules, in file order, blank lines and comments left out.
    public let patterns: [IgnorePattern]
    private let descent: ExcludedDirectoryDescent

    /// Parses the text of a `.dockerignore`; `file` only names it in errors.
    public init(contents: String, file: String = ".dockerignore") throws(DockerIgnoreError) {
        try self.init(numberedLines: Self.patternLines(of: contents), file: file)
    }

    /// Rules from patterns already split into lines, such as BuildKit's `excludes` list:
    /// each is trimmed, `!`-checked and cleaned like a line of the file, but a leading `#`
    /// is part of the pattern. Errors give the pattern's 1-based position as its line.
    public init(patterns: [String], file: String = ".dockerignore") throws(DockerIgnoreError) {
        try self.init(numberedLines: patterns.enumerated().map { ($0.offset + 1, $0.element) }, file: file)
    }

    private init(numberedLines: [(line: Int, text: String)], file: String) throws(DockerIgnoreError) {
        var patterns: [IgnorePattern] = []
        for (line, text) in numberedLines {
            if let pattern = try IgnorePattern(parsing: text, line: line, file: file) {
                patterns.append(pattern)
            }
        }
        self.patterns = patterns
        self.descent = ExcludedDirectoryDescent(patterns: patterns)
    }

    /// Whether any rule is a `!` exception.
    public var hasExceptions: Bool {
        patterns.contains(where: \.isException)
    }

    /// Whether the file or directory at `relativePath` is left out of the build context.
    ///
    /// `relativePath` is relative to the context root and `/`-separated; it is cleaned
    /// first, so `./a/b/`, `/a/b` and `a//b` all mean `a/b`. The root itself (`.`) is
    /// never excluded.
    public func isExcluded(_ relativePath: String) -> Bool {
        guard let path = LexicalPathCleaning.contextRelative(relativePath) else { return false }
        let scalars = Array(path.unicodeScalars)
        guard let deciding = patterns.last(where: { $0.applies(to: scalars) }) else { return false }
        return !deciding.isException
    }

    /// Whether a walker must still look inside the directory at `relativePath`, which
    /// ``isExcluded(_:)`` excludes, because an exception might include something below it.
    ///
    /// When this is `false` the walker may skip the directory and all it contains. When
    /// it is `true` the walker must check each entry below it with ``isExcluded(_:)``
    /// (and, like BuildKit, keep the directory itself if anything inside it is kept).
    /// The answer is BuildKit's: conservative, never `false` when something inside could
    /// be included, but `true` for every excluded directory once any exception contains
    /// a wildcard. For the context root it is always `true`.
    public func mustDescend(intoExcludedDirectory relativePath: String) -> Bool {
        guard let path = LexicalPathCleaning.contextRelative(relativePath) else { return true }
        return descent.mustDescend(into: Array(path.unicodeScalars))
    }

    /// The numbered lines of `contents` that hold patterns: split at `\n` (a `\r` before
    /// it is whitespace, trimmed later), without a leading byte-order mark and without
    /// comment lines, those whose very first character is `#`.
    private static func patternLines(of contents: String) -> [(line: Int, text: String)] {
        var scalars = Substring(contents).unicodeScalars
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        return scalars.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
            .filter { $0.element.first != "#" }
            .map { ($0.offset + 1, String(String.UnicodeScalarView($0.element))) }
    }
}
