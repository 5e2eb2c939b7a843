/// A path pattern: Go's `filepath.Match` syntax, extended with `**` the way moby's
/// patternmatcher (the matcher behind BuildKit's `.dockerignore`) extends it.
///
/// - `*` matches any run of characters without a `/`; `?` matches one character but `/`.
/// - `[abc]`, `[a-z]`, `[^a-z]` match one character in (or, with `^`, not in) the class;
///   a class can match `/`. Inside and outside classes `\` escapes the next character.
/// - `**/` (or a `**` with more pattern after it) matches any number of leading
///   directories, including none: `**/*.go` matches `main.go` and `cmd/tool/main.go`.
/// - A trailing `**` matches anything, `/` included: `vendor/**` matches `vendor/a/b`.
/// - As in patternmatcher, a pattern that is `**` then plain text (no `/` straight
///   after the `**`, no `*?[]\` later) matches any path ending in that text:
///   `**.pyc` matches `a/b/x.pyc`.
///
/// Matching is against the whole path and compares Unicode scalars exactly, as Go
/// compares runes: no case folding, no Unicode normalisation.
public struct PathGlob: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as given.
    public let pattern: String
    private let tokens: [GlobToken]

    /// Compiles `pattern`, failing when Go's `filepath.Match` would call it malformed.
    public init(_ pattern: String) throws(PathGlobSyntaxError) {
        var parser = PathGlobParser(pattern)
        self.tokens = try parser.parse()
        self.pattern = pattern
    }

    public var description: String { pattern }

    /// Whether the whole of `path` (`/`-separated) matches the pattern.
    public func matches(_ path: String) -> Bool {
        let scalars = Array(path.unicodeScalars)
        return matches(scalars, upTo: scalars.count)
    }

    /// Whether `path[..<end]` matches the pattern, so that a path's ancestors can be
    /// tried without copying them.
    func matches(_ path: [Unicode.Scalar], upTo end: Int) -> Bool {
        var attempt = GlobMatchAttempt(tokens: tokens, path: path, end: end)
        return attempt.matches(token: 0, at: 0)
    }
}

/// One backtracking match of a token list against a path, remembering which
/// (token, position) pairs are known to fail so that no pair is tried twice.
private struct GlobMatchAttempt {
    let tokens: [GlobToken]
    let path: [Unicode.Scalar]
    let end: Int
    var knownFailures: Set<Int> = []

    /// Whether `tokens[token...]` match exactly `path[position..<end]`.
    ///
    /// Only the outcomes of tokens that can match runs of different lengths are
    /// remembered: they are the only way back to a (token, position) pair already tried.
    mutating func matches(token: Int, at position: Int) -> Bool {
        guard token < tokens.count else { return position == end }
        guard tokens[token].matchesRunsOfManyLengths else {
            return matchesHere(tokens[token], then: token + 1, at: position)
        }
        let key = token * (end + 1) + position
        if knownFailures.contains(key) { return false }
        let matched = matchesHere(tokens[token], then: token + 1, at: position)
        if !matched { knownFailures.insert(key) }
        return matched
    }

    private mutating func matchesHere(_ token: GlobToken, then next: Int, at position: Int) -> Bool {
        switch token {
        case .literal(let scalar):
            return consumes(at: position) { $0 == scalar } && matches(token: next, at: position + 1)
        case .anyScalarInSegment:
            return consumes(at: position) { $0 != "/" } && matches(token: next, at: position + 1)
        case .characterClass(let characterClass):
            return consumes(at: position, characterClass.accepts) && matches(token: next, at: position + 1)
        case .anyRunInSegment:
            let segmentEnd = path[position..<end].firstIndex(of: "/") ?? end
            return (position...segmentEnd).contains { matches(token: next, at: $0) }
        case .anyLeadingDirectories:
            return matches(token: next, at: position)
                || (position..<end).contains { path[$0] == "/" && matches(token: next, at: $0 + 1) }
        case .anything:
            return (position...end).contains { matches(token: next, at: $0) }
        }
    }

    private func consumes(at position: Int, _ accepts: (Unicode.Scalar) -> Bool) -> Bool {
        position < end && accepts(path[position])
    }
}
