/// A Dockerfile word that cannot be expanded: a syntax error such as an unterminated
/// quote or `${`, an unsupported modifier, or a `${NAME?message}` whose variable is
/// unset.
///
/// The caller adds the file and line; the description follows BuildKit's wording,
/// `failed to process "WORD": MESSAGE`.
public struct WordExpansionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The word as written in the Dockerfile.
    public var word: String
    /// What is wrong, for example `syntax error: missing '}'` or
    /// `VERSION: is not allowed to be unset`.
    public var message: String

    /// Creates an error for `word` with the given message.
    public init(word: String, message: String) {
        self.word = word
        self.message = message
    }

    /// `failed to process "WORD": MESSAGE`, as BuildKit words it; a long word is cut
    /// (``DockerfileLimits/quotedLength``).
    public var description: String {
        "failed to process \(quoted(word.clipped())): \(message)"
    }

    /// `text` in double quotes, with `"` and `\` escaped as Go's `%q` does.
    private func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
