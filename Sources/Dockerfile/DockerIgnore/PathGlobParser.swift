/// Turns a glob's text into ``GlobToken``s, rejecting what Go's `filepath.Match` rejects.
///
/// `**` follows moby's patternmatcher: `**/` and a `**` with more pattern after it stand
/// for "any leading directories, or none"; a trailing `**` stands for anything. A pattern
/// that starts with `**` and continues with plain text only (no `*?[]\`) is matched by
/// patternmatcher as a plain suffix, so `**.pyc` matches `a/b/x.pyc`; that is kept.
struct PathGlobParser {
    private static let nonPlainScalars: Set<Unicode.Scalar> = ["*", "?", "[", "]", "\\"]

    private let scalars: [Unicode.Scalar]
    private var position = 0

    /// A parser over `pattern`.
    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
    }

    /// The tokens of the whole pattern.
    mutating func parse() throws(PathGlobSyntaxError) -> [GlobToken] {
        var tokens: [GlobToken] = []
        while let scalar = next() {
            tokens.append(try token(startingWith: scalar, isFirst: tokens.isEmpty))
        }
        return tokens
    }

    private mutating func token(
        startingWith scalar: Unicode.Scalar,
        isFirst: Bool
    ) throws(PathGlobSyntaxError) -> GlobToken {
        switch scalar {
        case "*":
            return peek() == "*" ? doubleStar(isFirst: isFirst) : .anyRunInSegment
        case "?":
            return .anyScalarInSegment
        case "[":
            return .characterClass(try characterClass())
        case "\\":
            guard let escaped = next() else { throw .danglingEscape }
            return .literal(escaped)
        default:
            return .literal(scalar)
        }
    }

    /// The token for a `**` whose first `*` has been read.
    private mutating func doubleStar(isFirst: Bool) -> GlobToken {
        position += 1
        let isFollowedBySlash = peek() == "/"
        if isFollowedBySlash { position += 1 }
        if peek() == nil { return .anything }
        if isFirst && !isFollowedBySlash && restIsPlainText() { return .anything }
        return .anyLeadingDirectories
    }

    private func restIsPlainText() -> Bool {
        !scalars[position...].contains { Self.nonPlainScalars.contains($0) }
    }

    /// The class whose `[` has been read, up to and including its `]`.
    private mutating func characterClass() throws(PathGlobSyntaxError) -> GlobCharacterClass {
        let isNegated = peek() == "^"
        if isNegated { position += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        while !(peek() == "]" && !ranges.isEmpty) {
            ranges.append(try classRange())
        }
        position += 1
        return GlobCharacterClass(isNegated: isNegated, ranges: ranges)
    }

    /// One `c` or `a-z` member of a character class.
    ///
    /// A `]` cannot start a member: the loop in ``characterClass()`` takes it as the end
    /// of a class that already has a member, so here it means the class is empty.
    private mutating func classRange() throws(PathGlobSyntaxError) -> ClosedRange<UInt32> {
        let low = try classMember(ifClosingBracket: .emptyCharacterClass)
        guard peek() == "-" else { return low.value...low.value }
        position += 1
        let high = try classMember(ifClosingBracket: .strayDashInCharacterClass)
        guard low.value <= high.value else { throw .reversedRange(from: low, to: high) }
        return low.value...high.value
    }

    /// One character of a class, unescaped; a `]` here means the problem given.
    private mutating func classMember(
        ifClosingBracket problem: PathGlobSyntaxError
    ) throws(PathGlobSyntaxError) -> Unicode.Scalar {
        guard let scalar = next() else { throw .unterminatedCharacterClass }
        if scalar == "-" { throw .strayDashInCharacterClass }
        if scalar == "]" { throw problem }
        let member = scalar == "\\" ? next() : scalar
        guard let member, peek() != nil else { throw .unterminatedCharacterClass }
        return member
    }

    private func peek() -> Unicode.Scalar? {
        position < scalars.count ? scalars[position] : nil
    }

    private mutating func next() -> Unicode.Scalar? {
        defer { position += 1 }
        return peek()
    }
}
