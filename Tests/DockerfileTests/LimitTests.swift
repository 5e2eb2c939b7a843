import Testing

@testable import Dockerfile

/// The bounds of DockerfileLimits: hostile files fail with an error naming the line
/// instead of overflowing the stack, filling the memory or writing to the terminal.
@Suite("Dockerfile limits")
struct LimitTests {
    /// `${a:-${a:-...}}` nested `depth` deep around `x`.
    static func nested(_ depth: Int) -> String {
        String(repeating: "${a:-", count: depth) + "x" + String(repeating: "}", count: depth)
    }

    @Test func nestingUpToTheLimitExpands() throws {
        let expanded = try WordExpander().expand(Self.nested(DockerfileLimits.expansionDepth), environment: [:])
        #expect(expanded.value == "x")
    }

    /// 20,000 levels used to overflow the stack (SIGSEGV); now one past the limit is an error.
    @Test(arguments: [DockerfileLimits.expansionDepth + 1, 20_000])
    func deeperNestingIsAnError(depth: Int) {
        do {
            _ = try WordExpander().expand(Self.nested(depth), environment: [:])
            Issue.record("no error at depth \(depth)")
        } catch {
            #expect(error.message == "${...} nested more than \(DockerfileLimits.expansionDepth) deep")
        }
    }

    /// 16 bytes doubled 16 times is 1 MiB; the 17th doubling is too long.
    @Test func aValueThatDoublesStopsAtTheLimit() {
        let expander = WordExpander()
        var environment = ["v0": "0123456789abcdef"]
        var failedAt: Int?
        for line in 1...30 {
            do {
                environment["v\(line)"] = try expander.expand("$v\(line - 1)$v\(line - 1)", environment: environment).value
            } catch {
                #expect(error.message == "the expanded value is longer than 1048576 bytes, the limit for one word")
                failedAt = line
                break
            }
        }
        #expect(failedAt == 17)
    }

    @Test func doubleQuotedValuesAndReplacementsAreBoundedToo() throws {
        let big = String(repeating: "a", count: 700_000)
        #expect(throws: WordExpansionError.self) { try WordExpander().expand("\"$big$big\"", environment: ["big": big]) }
        // Every `a` replaced by the whole value: 700,000 x 700,000 bytes if unbounded.
        #expect(throws: WordExpansionError.self) { try WordExpander().expand("${big//a/$big}", environment: ["big": big]) }
        #expect(try WordExpander().expand("${big//a/b}", environment: ["big": big]).value.count == 700_000)
    }

    @Test func aHugeUnknownKeywordIsQuotedShortAndNotSpellChecked() {
        let word = String(repeating: "RUNX", count: 250_000)
        let message = parseError("FROM scratch\n\(word) x\n")
        #expect(message == "Dockerfile:2: unknown instruction: \(String(repeating: "RUNX", count: 50))... [\(1_000_000 - 200) more bytes]")
        // Short misspellings still get their suggestion.
        #expect(parseError("FROM scratch\nRUNN x\n") == "Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)")
        #expect(Keyword.suggestion(for: "WORKDIRR") == .workdir)
    }

    @Test func controlCharactersOfTheDockerfileAreEscapedInErrors() {
        let message = parseError("FROM scratch\n\u{1B}[2J\u{1B}]0;owned\u{07}RUN x\n")
        #expect(message == "Dockerfile:2: unknown instruction: \\x1B[2J\\x1B]0;OWNED\\x07RUN")
        #expect("a\u{202E}b\u{9B}c\td".withControlCharactersEscaped == "a\\u{202E}b\\u{9B}c\td")
    }

    @Test func longWordsAreClippedInExpansionErrors() {
        let word = "${" + String(repeating: "x", count: 5000)
        let error = WordExpansionError(word: word, message: "m")
        #expect(error.description == "failed to process \"${\(String(repeating: "x", count: 198))... [\(5002 - 200) more bytes]\": m")
    }
}
