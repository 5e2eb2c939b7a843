/// Reads a Dockerfile's physical lines and joins them into logical instructions.
///
/// It knows the line-level syntax only: the directive block, comments, blank lines,
/// the escape character continuing a line, and here-document bodies. What a line
/// means is the parser's business.
struct LineScanner {
    /// One instruction's text after continuations are joined, with where it came from.
    struct LogicalLine {
        var text: String
        var startLine: Int
        var endLine: Int
        /// True when a blank line sat inside the continuation (BuildKit's NoEmptyContinuation check).
        var hasEmptyContinuationLine = false
        /// The comments between the previous instruction and this one, as BuildKit keeps
        /// them: the text after the line's first character, trimmed; a bare `#` clears them.
        var comments: [String] = []
    }

    private let lines: [Substring]
    private var nextIndex = 0
    private(set) var directives = ParserDirectives()

    /// Splits `text` into lines (accepting `\n` and `\r\n`) and reads the directive block.
    init(text: String) throws(DockerfileSyntaxError) {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        var lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if lines.last?.isEmpty == true { lines.removeLast() }
        self.lines = lines.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        try readDirectives()
    }

    /// 1-based number of the line most recently consumed.
    var currentLineNumber: Int { nextIndex }

    private mutating func readDirectives() throws(DockerfileSyntaxError) {
        var seen = Set<String>()
        while nextIndex < lines.count {
            guard let (name, value) = ParserDirectives.directive(in: lines[nextIndex]),
                ParserDirectives.known.contains(name)
            else { return }
            do {
                try directives.apply(name: name, value: value, seen: &seen)
                if name == "check" { directives.checkLine = nextIndex + 1 }
            } catch {
                throw DockerfileSyntaxError(line: nextIndex + 1, message: error.message)
            }
            nextIndex += 1
        }
    }

    /// The next instruction's text, or nil at the end of the file.
    ///
    /// Comment lines and blank lines are skipped, also in the middle of a continued
    /// instruction; the first line loses its leading whitespace, continuation lines keep it.
    mutating func nextLogicalLine() -> LogicalLine? {
        var comments: [String] = []
        while nextIndex < lines.count {
            let line = lines[nextIndex]
            nextIndex += 1
            let trimmed = line.drop(while: \.isWhitespace)
            if trimmed.first == "#" {
                let comment = String(line.dropFirst().trimmingWhitespace())
                if comment.isEmpty { comments = [] } else { comments.append(comment) }
            }
            if trimmed.isEmpty || trimmed.first == "#" { continue }
            let start = nextIndex
            var (text, continues) = splitContinuation(trimmed)
            var hasEmptyContinuationLine = false
            while continues, nextIndex < lines.count {
                let next = lines[nextIndex]
                nextIndex += 1
                let nextTrimmed = next.drop(while: \.isWhitespace)
                if nextTrimmed.isEmpty { hasEmptyContinuationLine = true }
                if nextTrimmed.isEmpty || nextTrimmed.first == "#" { continue }
                let (part, more) = splitContinuation(next)
                text += part
                continues = more
            }
            return LogicalLine(
                text: String(text), startLine: start, endLine: nextIndex, hasEmptyContinuationLine: hasEmptyContinuationLine,
                comments: comments)
        }
        return nil
    }

    /// Removes a trailing escape character (plus trailing blanks) that continues the line.
    ///
    /// As in BuildKit, an escape character preceded by another one does not continue the
    /// line (`ENV C trailing\\` ends there, keeping both backslashes); alone on its line,
    /// it does.
    private func splitContinuation(_ line: Substring) -> (Substring, Bool) {
        var end = line.endIndex
        while end > line.startIndex, line[line.index(before: end)] == " " || line[line.index(before: end)] == "\t" {
            end = line.index(before: end)
        }
        guard end > line.startIndex, line[line.index(before: end)] == directives.escape else {
            return (line, false)
        }
        let escapeIndex = line.index(before: end)
        if escapeIndex > line.startIndex, line[line.index(before: escapeIndex)] == directives.escape {
            return (line, false)
        }
        return (line[..<escapeIndex], true)
    }

    /// Consumes a here-document body up to its terminator line.
    ///
    /// - Returns: the body, or nil when the file ends before the terminator.
    mutating func readHeredocBody(terminator: String, chomp: Bool) -> String? {
        var body = ""
        while nextIndex < lines.count {
            var line = lines[nextIndex]
            nextIndex += 1
            if chomp { line = line.drop(while: { $0 == "\t" }) }
            if line == terminator { return body }
            body += line
            body += "\n"
        }
        return nil
    }
}

/// A syntax error before instructions are typed; the parser adds the file name.
struct DockerfileSyntaxError: Error {
    var line: Int
    var message: String
}
