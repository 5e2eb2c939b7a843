import Dockerfile
import Foundation
import Planner
import Testing

/// One row of the syntax tables in docs/dockerfile.md.
struct SyntaxRow: CustomTestStringConvertible, Sendable {
    var instruction: String
    var example: String
    /// nil for `supported`; the exact error for `rejected: ...`.
    var expectedError: String?

    var testDescription: String { "\(instruction): \(example)" }

    /// The rows of every table whose header is `| Instruction | Form or flag | Example | Status |`.
    static func load() throws -> [SyntaxRow] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/dockerfile.md"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> SyntaxRow? in
            let cells = cells(of: String(line))
            guard cells.count == 4, let example = code(in: cells[2]) else { return nil }
            let status = cells[3]
            if status == "supported" {
                return SyntaxRow(instruction: cells[0], example: unescape(example), expectedError: nil)
            }
            guard status.hasPrefix("rejected: "), let message = code(in: String(status.dropFirst(10))) else { return nil }
            return SyntaxRow(instruction: cells[0], example: unescape(example), expectedError: message)
        }
    }

    /// Splits a Markdown table row into cells, honouring `\|` inside cells.
    private static func cells(of line: String) -> [String] {
        guard line.hasPrefix("|") else { return [] }
        var cells: [String] = []
        var cell = ""
        var characters = Array(line.dropFirst())[...]
        while let character = characters.popFirst() {
            if character == "\\", characters.first == "|" {
                cell.append("|")
                characters = characters.dropFirst()
            } else if character == "|" {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(character)
            }
        }
        return cells
    }

    /// The text of a code span: `x` or ``x `y` z``.
    private static func code(in cell: String) -> String? {
        let ticks = cell.prefix(while: { $0 == "`" })
        guard !ticks.isEmpty, cell.hasSuffix(ticks), cell.count > 2 * ticks.count else { return nil }
        let inner = cell.dropFirst(ticks.count).dropLast(ticks.count)
        return ticks.count > 1 ? String(inner).trimmingCharacters(in: .whitespaces) : String(inner)
    }

    /// `\n` stands for a line break and `\t` for a tab in the table's examples.
    private static func unescape(_ example: String) -> String {
        example.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\t", with: "\t")
    }

    /// The Dockerfile for the row: a directive line first, everything else after `FROM scratch`.
    var dockerfile: String {
        guard example.hasPrefix("# ") else { return "FROM scratch\n" + example + "\n" }
        let lines = example.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        return lines[0] + "\nFROM scratch\n" + (lines.count > 1 ? lines[1] + "\n" : "")
    }
}

@Suite("docs/dockerfile.md is true")
struct SyntaxTableTests {
    @Test func tableHasRowsForEveryInstruction() throws {
        let rows = try SyntaxRow.load()
        #expect(rows.count > 60)
        for keyword in Keyword.allCases {
            #expect(
                rows.contains { $0.instruction == "`\(keyword.rawValue)`" && $0.expectedError == nil },
                "no supported row for \(keyword.rawValue)")
        }
    }

    @Test(arguments: try SyntaxRow.load())
    func row(_ row: SyntaxRow) {
        do {
            let parsed = try DockerfileParser.parse(row.dockerfile, file: "Dockerfile")
            _ = try BuildPlanner.plan(parsed)
            #expect(row.expectedError == nil, "parsed, but the table says: \(row.expectedError ?? "")")
            if let keyword = Keyword(rawValue: row.instruction.trimmingCharacters(in: CharacterSet(charactersIn: "`"))) {
                #expect(parsed.instructions.contains { $0.keyword == keyword }, "no \(keyword.rawValue) instruction came out")
            }
        } catch {
            #expect(row.expectedError == "\(error)")
        }
    }
}
