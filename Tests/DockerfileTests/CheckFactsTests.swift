import Dockerfile
import Testing

/// The facts the parser keeps for the build checks only: how a line was written.
@Suite struct CheckFactsTests {
    @Test func keywordAsWritten() throws {
        let parsed = try parse("From scratch\nrun true\nCOPY a /b\n")
        #expect(parsed.instructions.map(\.writtenKeyword) == ["From", "run", "COPY"])
    }

    @Test func legacyKeyValueForm() throws {
        #expect(try instruction(after: "ENV A b c").legacyKeyValueForm)
        #expect(try instruction(after: "LABEL a b").legacyKeyValueForm)
        #expect(try !instruction(after: "ENV A=b").legacyKeyValueForm)
        #expect(try !instruction(after: "LABEL \"a\"=b c=d").legacyKeyValueForm)
        #expect(try !instruction(after: "USER a").legacyKeyValueForm)
    }

    @Test func emptyContinuationLine() throws {
        // Located at the instruction's last line of text, as BuildKit reports it.
        let parsed = try parse("FROM scratch\nEXPOSE \\\n\n  80 \\\n  # note\n  81\nEXPOSE \\\n# note\n82\n")
        #expect(parsed.instructions.map(\.emptyContinuationLine) == [nil, 6, nil])
        // The instruction itself is unchanged by the blank line.
        #expect(parsed.instructions[1].arguments == ["80", "81"])
    }

    @Test func checkDirectiveLine() throws {
        let parsed = try parse("# syntax=docker/dockerfile:1\n# check=skip=all\nFROM scratch\n")
        #expect(parsed.directives.check == "skip=all")
        #expect(parsed.directives.checkLine == 2)
        #expect(try parse("FROM scratch\n").directives.checkLine == nil)
    }
}
