/// The parser directives at the top of a Dockerfile (`# escape=`, `# syntax=`, `# check=`).
///
/// Directives are only recognised before the first comment, blank line or instruction;
/// after that a line of the same shape is an ordinary comment.
public struct ParserDirectives: Sendable, Equatable, Codable {
    /// The escape character: `\` (the default) or `` ` `` (common on Windows).
    public var escape: Character
    /// The `# syntax=` frontend image, recorded but not used: swiftbuild has one frontend.
    public var syntax: String?
    /// The `# check=` build-check configuration, as written (BuildChecks reads it).
    public var check: String?
    /// The 1-based line of the `# check=` directive, so an invalid one can be located; not encoded.
    public var checkLine: Int?

    public init(escape: Character = "\\", syntax: String? = nil, check: String? = nil) {
        self.escape = escape
        self.syntax = syntax
        self.check = check
    }

    enum CodingKeys: String, CodingKey { case escape, syntax, check }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let escape = try container.decode(String.self, forKey: .escape)
        self.escape = escape.first ?? "\\"
        self.syntax = try container.decodeIfPresent(String.self, forKey: .syntax)
        self.check = try container.decodeIfPresent(String.self, forKey: .check)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(escape), forKey: .escape)
        try container.encode(syntax, forKey: .syntax)
        try container.encode(check, forKey: .check)
    }
}

extension ParserDirectives {
    /// A line of the form `# name=value`, or nil when the line is not shaped like a directive.
    static func directive(in line: Substring) -> (name: String, value: String)? {
        var rest = line.drop(while: \.isWhitespace)
        guard rest.first == "#" else { return nil }
        rest = rest.dropFirst().drop(while: \.isWhitespace)
        let name = rest.prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber) })
        guard let first = name.first, first.isLetter else { return nil }
        rest = rest.dropFirst(name.count).drop(while: \.isWhitespace)
        guard rest.first == "=" else { return nil }
        let value = rest.dropFirst().trimmingWhitespace()
        guard !value.isEmpty else { return nil }
        return (name.lowercased(), String(value))
    }

    /// Applies one recognised directive, rejecting duplicates and invalid escape characters.
    mutating func apply(name: String, value: String, seen: inout Set<String>) throws(DirectiveError) {
        guard seen.insert(name).inserted else {
            throw DirectiveError("only one \(name) parser directive can be used")
        }
        switch name {
        case "escape":
            guard value == "\\" || value == "`" else {
                throw DirectiveError("invalid escape character '\(value)': it must be ` or \\")
            }
            escape = Character(value)
        case "syntax":
            syntax = value
        default:
            check = value
        }
    }

    /// The directive names BuildKit knows; any other name ends the directive block.
    static let known: Set<String> = ["escape", "syntax", "check"]
}

/// A parser directive that cannot be applied.
struct DirectiveError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> SubSequence {
        guard let start = firstIndex(where: { !$0.isWhitespace }) else { return self[endIndex...] }
        let end = lastIndex(where: { !$0.isWhitespace })!
        return self[start...end]
    }
}
