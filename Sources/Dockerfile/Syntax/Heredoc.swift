/// A here-document attached to a RUN, COPY or ADD instruction (`<<EOF` ... `EOF`).
public struct Heredoc: Sendable, Equatable, Codable {
    /// The delimiter word, without quotes.
    public var name: String
    /// The body, one `\n`-terminated line per source line, leading tabs removed for `<<-`.
    public var content: String
    /// False when the delimiter was quoted (`<<"EOF"`), which disables variable expansion.
    public var expand: Bool
    /// True for `<<-`, which strips leading tabs from the body and the terminator.
    public var chomp: Bool
    /// The file descriptor written before `<<` (`3<<EOF`), if any.
    public var fileDescriptor: Int?

    public init(name: String, content: String, expand: Bool, chomp: Bool, fileDescriptor: Int? = nil) {
        self.name = name
        self.content = content
        self.expand = expand
        self.chomp = chomp
        self.fileDescriptor = fileDescriptor
    }
}

extension Heredoc {
    /// The here-document opened by one word of an instruction, or nil when the word opens none.
    ///
    /// The word keeps its quotes (see ``WordSplitter``): `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<'EOF'`.
    public static func opener(in word: String) -> Heredoc? {
        let digits = word.prefix(while: \.isNumber)
        var rest = word.dropFirst(digits.count)
        guard rest.hasPrefix("<<") else { return nil }
        rest = rest.dropFirst(2)
        let chomp = rest.first == "-"
        if chomp { rest = rest.dropFirst() }
        guard !rest.isEmpty, !rest.contains("<") else { return nil }
        let quoted = rest.contains("\"") || rest.contains("'")
        let name = rest.filter { $0 != "\"" && $0 != "'" }
        guard !name.isEmpty else { return nil }
        return Heredoc(name: name, content: "", expand: !quoted, chomp: chomp, fileDescriptor: Int(digits))
    }
}
