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
    /// How many `${` are open at the current position (``DockerfileLimits/expansionDepth``).
    var depth = 0

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
        var result = ExpandedTextBuilder()
        while let scalar = peek() {
            if scalar == stop {
                advance()
                return result.finish()
            }
            switch scalar {
            case "$":
                result.appendSplitting(contentsOf: try expandDollar())
                try checkLength(result.byteCount)
            case "'", "\"":
                result.appendProtected(contentsOf: try scanQuoted(keepingEscapes: keepingEscapes))
                try checkLength(result.byteCount)
            case escape:
                advance()
                if keepingEscapes { result.appendProtected(escape) }
                // A trailing escape character escapes nothing and disappears.
                if let escaped = next() { result.appendProtected(escaped) }
            default:
                advance()
                result.appendSplitting(scalar)
            }
        }
        guard let stop else { return result.finish() }
        throw failure(Self.missingTerminator(stop))
    }

    /// BuildKit's message for a `${...}` that ends before `terminator`.
    static func missingTerminator(_ terminator: Unicode.Scalar) -> String {
        terminator == "}" ? "syntax error: missing '}'" : "syntax error: missing '\(Character(terminator))' in ${}"
    }

    /// Fails once expanded text grows past ``DockerfileLimits/expandedLength`` bytes.
    /// Literal text cannot get there on its own (it is part of the word), so this is
    /// checked where values are inserted.
    func checkLength(_ byteCount: Int) throws(WordExpansionError) {
        guard byteCount <= DockerfileLimits.expandedLength else {
            throw failure("the expanded value is longer than \(DockerfileLimits.expandedLength) bytes, the limit for one word")
        }
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
