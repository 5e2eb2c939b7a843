/// The text of a check run, in the forms docker prints.
public enum CheckReport {
    /// A normal build's summary on standard error: `N warnings found ...:` then
    /// ` - Rule: message (line N)` per warning, in the order the checks found them.
    public static func short(_ warnings: [CheckWarning]) -> String {
        guard !warnings.isEmpty else { return "" }
        let count = warnings.count == 1 ? "1 warning found" : "\(warnings.count) warnings found"
        var text = "\(count) (use swiftbuild build --check to expand):\n"
        for warning in warnings { text += " - \(warning.shortDescription)\n" }
        return text
    }

    /// `build --check`'s report: a count line, then for each warning (by line) its rule,
    /// URL, message and the Dockerfile lines around it, the lines it is about marked `>>>`;
    /// `Check complete, no warnings found.` when there is none.
    ///
    /// - Parameters:
    ///   - file: the Dockerfile's name as the report shows it.
    ///   - text: the Dockerfile's text, for the quoted lines.
    public static func verbose(_ warnings: [CheckWarning], file: String, text: String) -> String {
        guard !warnings.isEmpty else { return "Check complete, no warnings found.\n" }
        var report =
            warnings.count == 1
            ? "Check complete, 1 warning has been found!\n" : "Check complete, \(warnings.count) warnings have been found!\n"
        let sorted = warnings.enumerated().sorted { ($0.element.lines.lowerBound, $0.offset) < ($1.element.lines.lowerBound, $1.offset) }
        let sourceLines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        for (_, warning) in sorted {
            report += "\nWARNING: \(warning.rule.name)"
            if let url = warning.rule.url { report += " - \(url)" }
            report += "\n\(warning.message)\n"
            report += excerpt(of: sourceLines, around: warning.lines, file: file)
        }
        return report
    }

    /// The lines `range` covers with context: two lines either side of a single line, one
    /// either side of several, as BuildKit quotes a source location.
    static func excerpt(of lines: [Substring], around range: ClosedRange<Int>, file: String) -> String {
        guard range.lowerBound >= 1, range.lowerBound <= lines.count else { return "" }
        var start = range.lowerBound
        var end = min(range.upperBound, lines.count)
        let context = range.lowerBound == range.upperBound ? 2 : 1
        for _ in 0..<context {
            if start > 1 { start -= 1 }
            if end < lines.count { end += 1 }
        }
        var text = "\(file):\(range.lowerBound)\n--------------------\n"
        for number in start...end {
            let marker = range.contains(number) ? ">>>" : "   "
            let padded = String(repeating: " ", count: max(0, 3 - String(number).count)) + String(number)
            text += " \(padded) | \(marker) \(lines[number - 1])\n"
        }
        return text + "--------------------\n"
    }
}
