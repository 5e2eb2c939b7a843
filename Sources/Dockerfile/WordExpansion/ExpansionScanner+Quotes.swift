extension ExpansionScanner {
    /// Scans a single- or double-quoted string starting at its opening quote and
    /// returns its content.
    mutating func scanQuoted(keepingEscapes: Bool) throws(WordExpansionError) -> String {
        next() == "'" ? try scanSingleQuoted() : try scanDoubleQuoted(keepingEscapes: keepingEscapes)
    }

    /// The content of single quotes, taken literally: nothing escapes in there.
    private mutating func scanSingleQuoted() throws(WordExpansionError) -> String {
        var content = ""
        while let scalar = next() {
            if scalar == "'" { return content }
            content.unicodeScalars.append(scalar)
        }
        throw failure("unexpected end of statement while looking for matching single-quote")
    }

    /// The content of double quotes, with variables expanded. The escape character
    /// protects `"`, `$` and itself; before anything else it stays as written.
    private mutating func scanDoubleQuoted(keepingEscapes: Bool) throws(WordExpansionError) -> String {
        var content = ""
        while let scalar = peek() {
            switch scalar {
            case "\"":
                advance()
                return content
            case "$":
                content += try expandDollar()
                try checkLength(content.utf8.count)
            case escape:
                advance()
                if keepingEscapes { content.unicodeScalars.append(escape) }
                content.unicodeScalars.append(takeEscapableInDoubleQuotes() ?? escape)
            default:
                advance()
                content.unicodeScalars.append(scalar)
            }
        }
        throw failure("unexpected end of statement while looking for matching double-quote")
    }

    /// Consumes the scalar after an escape character inside double quotes if the
    /// escape applies to it.
    private mutating func takeEscapableInDoubleQuotes() -> Unicode.Scalar? {
        guard let scalar = peek(), scalar == "\"" || scalar == "$" || scalar == escape else { return nil }
        advance()
        return scalar
    }
}
