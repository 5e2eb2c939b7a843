/// Text scanned up to a stop character: the expanded value and its fields.
struct ScannedText {
    /// The expanded text with quotes and escapes removed (unless kept on purpose).
    var text: String
    /// The same text split into non-empty fields on unprotected whitespace.
    var fields: [String]
}

/// Walks a Dockerfile word one Unicode scalar at a time, removing quotes and escapes
/// and expanding variables, as BuildKit's shell lexer does.
///
/// It also records every variable name it looks up.
struct ExpansionScanner {
    /// The word being expanded, for error messages.
    let source: String
    let environment: [String: String]
    let escape: Unicode.Scalar
    private(set) var referencedNames: Set<String> = []
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(source: String, environment: [String: String], escape: Unicode.Scalar) {
        self.source = source
        self.environment = environment
        self.escape = escape
        self.scalars = Array(source.unicodeScalars)
    }

    /// Scans the whole word.
    mutating func scanWhole() throws(WordExpansionError) -> ScannedText {
        try scan(until: nil, keepingEscapes: false)
    }

    /// Scans up to and including `stop` (or to the end when `stop` is nil).
    ///
    /// With `keepingEscapes` the escape characters stay in the text, so that a
    /// pattern can still tell an escaped `*` from a wildcard.
    mutating func scan(until stop: Unicode.Scalar?, keepingEscapes: Bool) throws(WordExpansionError) -> ScannedText {
        var text = ""
        var splitter = FieldSplitter()
        while let scalar = peek() {
            if scalar == stop {
                advance()
                return ScannedText(text: text, fields: splitter.finish())
            }
            switch scalar {
            case "$":
                let value = try expandDollar()
                text += value
                splitter.appendSplitting(contentsOf: value)
            case "'", "\"":
                let value = try scanQuoted(keepingEscapes: keepingEscapes)
                text += value
                splitter.appendProtected(contentsOf: value)
            default:
                advance()
                guard scalar == escape else {
                    text.unicodeScalars.append(scalar)
                    splitter.appendSplitting(scalar)
                    continue
                }
                if keepingEscapes {
                    text.unicodeScalars.append(scalar)
                    splitter.appendProtected(scalar)
                }
                guard let escaped = next() else { break }
                text.unicodeScalars.append(escaped)
                splitter.appendProtected(escaped)
            }
        }
        if let stop {
            throw failure("unexpected end of statement while looking for matching \(Character(stop))")
        }
        return ScannedText(text: text, fields: splitter.finish())
    }

    /// Looks `name` up and records that the word depends on it.
    mutating func lookUp(_ name: String) -> String? {
        referencedNames.insert(name)
        return environment[name]
    }

    /// An error about the word being expanded.
    func failure(_ message: String) -> WordExpansionError {
        WordExpansionError(word: source, message: message)
    }

    /// The next scalar, without consuming it; nil at the end of the word.
    func peek() -> Unicode.Scalar? {
        position < scalars.count ? scalars[position] : nil
    }

    /// Consumes and returns the next scalar; nil at the end of the word.
    mutating func next() -> Unicode.Scalar? {
        defer { advance() }
        return peek()
    }

    /// Consumes the next scalar, if any.
    mutating func advance() {
        if position < scalars.count { position += 1 }
    }

    /// Whether the whole word has been consumed.
    var isAtEnd: Bool { position == scalars.count }
}
