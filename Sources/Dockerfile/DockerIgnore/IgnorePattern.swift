/// One rule of a `.dockerignore`: a ``PathGlob`` that excludes the paths it matches or,
/// when written with a leading `!`, makes an exception that includes them again.
///
/// A rule applies to a path when its glob matches the path itself or any of the path's
/// parent directories, so `node_modules` applies to `node_modules/x/y` and `!docs`
/// re-includes all of `docs/`.
public struct IgnorePattern: Sendable, Equatable, CustomStringConvertible {
    /// The glob, over the cleaned pattern without its `!`.
    public let glob: PathGlob
    /// Whether the rule was written with `!` and re-includes what it matches.
    public let isException: Bool
    /// The 1-based line the rule came from (its position, for a list of patterns).
    public let line: Int

    /// Parses one line's worth of pattern the way BuildKit does: whitespace around it and
    /// after a leading `!` is dropped, the rest is cleaned like Go's `filepath.Clean`
    /// (`./a/../b` becomes `b`, `dir/` becomes `dir`) and a leading `/` is dropped.
    /// Returns `nil` for a blank line.
    init?(parsing text: String, line: Int, file: String) throws(DockerIgnoreError) {
        let trimmed = Self.trimmingWhitespace(text)
        guard !trimmed.isEmpty else { return nil }
        let isException = trimmed.unicodeScalars.first == "!"
        let body = isException ? Self.trimmingWhitespace(String(trimmed.unicodeScalars.dropFirst())) : trimmed
        guard !body.isEmpty else {
            throw DockerIgnoreError(file: file, line: line, pattern: trimmed, problem: .bareException)
        }
        do {
            glob = try PathGlob(Self.normalized(body))
        } catch {
            throw DockerIgnoreError(file: file, line: line, pattern: trimmed, problem: .invalidGlob(error))
        }
        self.isException = isException
        self.line = line
    }

    /// The normalised rule, as BuildKit would list it: `!` (for an exception) and the cleaned pattern.
    public var description: String {
        isException ? "!" + glob.pattern : glob.pattern
    }

    /// Whether the rule applies to `path`, the scalars of a cleaned, `/`-separated path
    /// below the context root: its glob matches the path or one of its parent directories.
    func applies(to path: [Unicode.Scalar]) -> Bool {
        glob.matches(path, upTo: path.count)
            || path.indices.contains { path[$0] == "/" && glob.matches(path, upTo: $0) }
    }

    /// `pattern` cleaned, with a leading `/` dropped unless the pattern is `/` itself
    /// (which, like `.`, then matches nothing: no path below the root is named that).
    private static func normalized(_ pattern: String) -> String {
        let cleaned = LexicalPathCleaning.clean(pattern)
        guard cleaned.unicodeScalars.count > 1, cleaned.unicodeScalars.first == "/" else { return cleaned }
        return String(cleaned.unicodeScalars.dropFirst())
    }

    private static func trimmingWhitespace(_ text: String) -> String {
        let characters = text.drop { $0.isWhitespace }
        return String(characters.reversed().drop { $0.isWhitespace }.reversed())
    }
}
