/// Why a string is not a valid ``PathGlob``.
///
/// These are the patterns Go's `filepath.Match` rejects, plus a character-class range
/// whose ends are in the wrong order, which moby's patternmatcher rejects too (when it
/// first matches with the pattern; here it is caught up front).
public enum PathGlobSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `[` opens a character class that no `]` closes, e.g. `a[bc`.
    case unterminatedCharacterClass
    /// A character class with nothing in it, e.g. `[]` or `[^]`.
    case emptyCharacterClass
    /// A `-` in a character class that does not sit between two characters, e.g. `[-a]`, `[a-]`, `[a-b-c]`.
    case strayDashInCharacterClass
    /// A character-class range whose first character comes after its last, e.g. `[z-a]`.
    case reversedRange(from: Unicode.Scalar, to: Unicode.Scalar)
    /// The pattern ends with a `\` that has nothing left to escape.
    case danglingEscape

    public var description: String {
        switch self {
        case .unterminatedCharacterClass:
            "a character class opened with `[` is never closed with `]`"
        case .emptyCharacterClass:
            "a character class must list at least one character (write `\\]` to match `]`)"
        case .strayDashInCharacterClass:
            "a `-` in a character class must sit between two characters or be escaped as `\\-`"
        case .reversedRange(let from, let to):
            "the character range `\(from)-\(to)` runs backwards"
        case .danglingEscape:
            "the pattern ends with a `\\` that escapes nothing"
        }
    }
}
