/// Expands Dockerfile words the way BuildKit does for the instructions that support
/// environment replacement (`ADD`, `COPY`, `ENV`, `EXPOSE`, `FROM`, `LABEL`,
/// `STOPSIGNAL`, `USER`, `VOLUME`, `WORKDIR`, `ONBUILD`).
///
/// Supported syntax:
/// - `$NAME` and `${NAME}`; a name is a run of letters, digits and `_`, or a run of
///   digits (`$1`), or one of the special parameters `@ * # ? - $ !`. A `$` followed
///   by anything else stays a literal `$`.
/// - `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`,
///   `${NAME:?message}`, `${NAME?message}`; the form with `:` treats an empty value
///   as unset. The word is itself expanded.
/// - `${NAME#pattern}`, `${NAME##pattern}`, `${NAME%pattern}`, `${NAME%%pattern}`,
///   `${NAME/pattern/replacement}`, `${NAME//pattern/replacement}`, where `?` matches
///   one character, `*` any run of characters, and the escape character makes the
///   next character literal (`[` is literal, as in BuildKit).
/// - Single quotes keep their content literally; double quotes allow expansion and
///   let the escape character protect `"`, `$` and itself; quotes are removed.
/// - Outside quotes the escape character makes the next character literal, so
///   `\$foo` is the text `$foo`.
///
/// Unset variables expand to the empty string.
public struct WordExpander: Sendable {
    /// The character that escapes the next one: `\` unless the Dockerfile's
    /// `# escape=` directive chose `` ` ``.
    public let escapeCharacter: Character

    /// Creates an expander.
    ///
    /// - Parameter escapeCharacter: `\` (the default) or `` ` ``, as set by the
    ///   `# escape=` parser directive. It must be a single Unicode scalar.
    public init(escapeCharacter: Character = "\\") {
        precondition(escapeCharacter.unicodeScalars.count == 1, "the escape character must be a single Unicode scalar")
        self.escapeCharacter = escapeCharacter
    }

    /// Expands `word` as one value, without splitting it into fields, as for
    /// `ENV` and `LABEL` values, `WORKDIR`, `USER` or `STOPSIGNAL`.
    ///
    /// - Parameters:
    ///   - word: The word as written in the Dockerfile, quotes and escapes included.
    ///   - environment: The variables in scope (build arguments and `ENV` values).
    /// - Returns: The expanded text, with whitespace kept as written.
    /// - Throws: `WordExpansionError` for a syntax error or a `${NAME?message}` whose
    ///   variable is unset (or, with `:`, empty).
    public func expand(_ word: String, environment: [String: String]) throws(WordExpansionError) -> WordExpansion {
        var scanner = makeScanner(for: word, environment: environment)
        let scanned = try scanner.scanWhole()
        return WordExpansion(value: scanned.text, referencedNames: scanner.referencedNames)
    }

    /// Expands `text` and splits it into words on whitespace that is neither quoted
    /// nor escaped, as for `EXPOSE`, `VOLUME`, `COPY`/`ADD` sources or the `FROM` line.
    ///
    /// Splitting happens after expansion, so whitespace inside a variable's value
    /// separates words too, while whitespace inside quotes does not. Words that end up
    /// empty, such as `""` or an unset `$NAME`, are dropped.
    ///
    /// - Parameters:
    ///   - text: The text as written in the Dockerfile, quotes and escapes included.
    ///   - environment: The variables in scope (build arguments and `ENV` values).
    /// - Returns: The non-empty words, in order.
    /// - Throws: `WordExpansionError`, as `expand(_:environment:)` does.
    public func expandWords(_ text: String, environment: [String: String]) throws(WordExpansionError) -> WordListExpansion {
        var scanner = makeScanner(for: text, environment: environment)
        let scanned = try scanner.scanWhole()
        return WordListExpansion(words: scanned.fields, referencedNames: scanner.referencedNames)
    }

    private func makeScanner(for source: String, environment: [String: String]) -> ExpansionScanner {
        ExpansionScanner(source: source, environment: environment, escape: escapeCharacter.unicodeScalars.first!)
    }
}
