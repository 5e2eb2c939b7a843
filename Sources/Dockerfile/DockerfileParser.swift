import Foundation

/// A Dockerfile read into instructions, with its parser directives.
public struct ParsedDockerfile: Sendable, Equatable {
    /// The file's path as the user named it; errors and reports use it.
    public var file: String
    /// The directives from the top of the file.
    public var directives: ParserDirectives
    /// Every instruction in file order, including ARGs before the first FROM.
    public var instructions: [Instruction]
}

/// Reads Dockerfile text into ``ParsedDockerfile``, following the Dockerfile reference
/// with BuildKit's frontend as the tie-breaker.
///
/// The parser checks syntax only: keywords, flags, argument counts and forms. Whether a
/// stage or ARG exists is the planner's concern.
public enum DockerfileParser {
    /// Parses `text`, naming `file` in errors.
    public static func parse(_ text: String, file: String = "Dockerfile") throws(DockerfileError) -> ParsedDockerfile {
        var scanner: LineScanner
        do {
            scanner = try LineScanner(text: text)
        } catch {
            throw DockerfileError(file: file, line: error.line, message: error.message)
        }
        var instructions: [Instruction] = []
        while let line = scanner.nextLogicalLine() {
            do {
                instructions.append(try parseInstruction(line, scanner: &scanner))
            } catch {
                throw DockerfileError(file: file, line: line.startLine, message: error.message)
            }
        }
        guard !instructions.isEmpty else {
            throw DockerfileError(file: file, line: 1, message: "the Dockerfile is empty: it has no instructions")
        }
        return ParsedDockerfile(file: file, directives: scanner.directives, instructions: instructions)
    }

    /// Parses one logical line, reading the bodies of any here-documents it opens.
    private static func parseInstruction(_ line: LineScanner.LogicalLine, scanner: inout LineScanner) throws(InstructionError)
        -> Instruction
    {
        let reader = InstructionReader(escape: scanner.directives.escape)
        let heredocs = try readHeredocs(openedBy: line.text, reader: reader, scanner: &scanner)
        var instruction = try reader.read(Substring(line.text), heredocs: heredocs)
        instruction.line = line.startLine
        instruction.endLine = scanner.currentLineNumber
        if line.hasEmptyContinuationLine { instruction.emptyContinuationLine = line.endLine }
        instruction.precedingComments = line.comments
        return instruction
    }

    /// Finds the here-documents a RUN, COPY or ADD line opens and consumes their bodies.
    private static func readHeredocs(openedBy text: String, reader: InstructionReader, scanner: inout LineScanner) throws(InstructionError)
        -> [Heredoc]
    {
        guard text.contains("<<"), let body = reader.heredocCapableBody(of: Substring(text)) else { return [] }
        var heredocs: [Heredoc] = []
        for word in WordSplitter(escape: reader.escape).split(body) {
            guard var heredoc = Heredoc.opener(in: word) else { continue }
            guard let content = scanner.readHeredocBody(terminator: heredoc.name, chomp: heredoc.chomp) else {
                throw InstructionError(
                    "unterminated heredoc: no line '\(heredoc.name)' closes <<\(heredoc.chomp ? "-" : "")\(heredoc.name) before the end of the file"
                )
            }
            heredoc.content = content
            heredocs.append(heredoc)
        }
        return heredocs
    }
}

/// Turns one logical line into a typed ``Instruction`` (line numbers are filled in by the caller).
struct InstructionReader {
    let escape: Character

    /// The part of a line that may open here-documents: the arguments of a shell-form
    /// RUN, COPY or ADD, also behind ONBUILD. Nil when the line cannot open any.
    func heredocCapableBody(of text: Substring) -> Substring? {
        let (word, rest) = splitKeyword(text)
        guard let keyword = Keyword(caseInsensitive: word) else { return nil }
        if keyword == .onbuild { return heredocCapableBody(of: rest) }
        guard keyword.acceptsHeredocs else { return nil }
        let body = FlagWords.extract(from: rest).rest
        return (try? jsonArray(body)) == nil ? body : nil
    }

    func read(_ text: Substring, heredocs: [Heredoc]) throws(InstructionError) -> Instruction {
        let (word, rest) = splitKeyword(text)
        guard let keyword = Keyword(caseInsensitive: word) else {
            let hint = Keyword.suggestion(for: String(word)).map { " (did you mean \($0.rawValue)?)" } ?? ""
            throw InstructionError("unknown instruction: \(word.uppercased().clipped())\(hint)")
        }
        let (flagWords, body) = FlagWords.extract(from: rest)
        let flags = try InstructionFlags(words: flagWords, for: keyword)
        let (command, arguments) = try typedCommand(keyword, flags: flags, body: body, heredocs: heredocs)
        var instruction = Instruction(
            keyword: keyword, flags: flags, arguments: arguments, command: command,
            heredocs: heredocs, line: 0, endLine: 0, original: String(text))
        if keyword == .env || keyword == .label { instruction.legacyKeyValueForm = isLegacyKeyValueForm(body) }
        return instruction
    }

    private func splitKeyword(_ text: Substring) -> (Substring, Substring) {
        let trimmed = text.drop(while: \.isWhitespace)
        let word = trimmed.prefix(while: { !$0.isWhitespace })
        return (word, trimmed.dropFirst(word.count).drop(while: \.isWhitespace))
    }

    /// The strings of a JSON array of strings, or nil when `text` is not JSON (Docker then
    /// falls back to shell form). Valid JSON that is an array of anything but strings is an
    /// error, as in BuildKit.
    func jsonArray(_ text: Substring) throws(InstructionError) -> [String]? {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]"),
            let array = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [Any]
        else { return nil }
        guard let strings = array as? [String] else {
            throw InstructionError("when using JSON array syntax, arrays must be comprised of strings only")
        }
        return strings
    }

    func whitespaceWords(_ text: Substring) -> [String] {
        text.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// A command in exec form when the text is a JSON array of strings, else in shell form.
    func commandForm(_ body: Substring) throws(InstructionError) -> CommandForm {
        if let array = try jsonArray(body) { return .exec(array) }
        return .shell(String(body.trimmingWhitespace()))
    }
}
