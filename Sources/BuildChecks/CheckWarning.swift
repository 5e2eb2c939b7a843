/// One finding of a build check: which rule, its message, and the Dockerfile lines it is about.
public struct CheckWarning: Sendable, Equatable {
    /// The rule that found it.
    public var rule: CheckRule
    /// BuildKit's message for it, word for word.
    public var message: String
    /// The first and last line of the instruction (or line) it is about, 1-based.
    public var lines: ClosedRange<Int>

    public init(rule: CheckRule, message: String, lines: ClosedRange<Int>) {
        self.rule = rule
        self.message = message
        self.lines = lines
    }

    /// The one-line form a normal build prints: `Rule: message (line N)`.
    public var shortDescription: String {
        "\(rule.name): \(message) (line \(lines.lowerBound))"
    }
}
