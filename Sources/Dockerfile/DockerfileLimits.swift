/// Bounds on what one Dockerfile may ask of the parser, the planner and word expansion,
/// so that a hostile or runaway file fails with an error naming its line instead of
/// exhausting the stack, the memory or the CPU. docs/dockerfile.md lists them.
///
/// Each is far above what a real build needs: a process argument or environment string
/// is at most 128 KiB on Linux (`MAX_ARG_STRLEN`), so no RUN step could use a longer
/// value anyway.
public enum DockerfileLimits {
    /// How deeply `${...}` may nest inside one word (`${a:-${b:-...}}`). Expansion is
    /// recursive, so this bounds the stack it uses.
    public static let expansionDepth = 100
    /// The most bytes (UTF-8) one expanded word may hold: a value that doubles on every
    /// line reaches it after a few lines instead of filling the memory.
    public static let expandedLength = 1 << 20
    /// The most bytes of a word or keyword that an error message repeats; longer text is
    /// cut with a note of how much was left out.
    public static let quotedLength = 200
}

extension String {
    /// The text cut after `limit` UTF-8 bytes (at a character boundary), with a note of
    /// how many more bytes there were; unchanged when it is short enough.
    public func clipped(to limit: Int = DockerfileLimits.quotedLength) -> String {
        guard utf8.count > limit else { return self }
        var kept = ""
        var used = 0
        for scalar in unicodeScalars {
            used += scalar.utf8.count
            if used > limit { break }
            kept.unicodeScalars.append(scalar)
        }
        return kept + "... [\(utf8.count - kept.utf8.count) more bytes]"
    }

    /// The text with control characters escaped (`\x1B`, `\u{202E}`): C0 but tab, DEL,
    /// C1, and the bidirectional overrides, so that text from a Dockerfile cannot move
    /// the cursor, recolour or rewrite the terminal an error or progress line goes to.
    public var withControlCharactersEscaped: String {
        guard unicodeScalars.contains(where: \.isTerminalControl) else { return self }
        var result = ""
        for scalar in unicodeScalars {
            if !scalar.isTerminalControl {
                result.unicodeScalars.append(scalar)
            } else if scalar.value < 0x80 {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return result
    }
}

extension Unicode.Scalar {
    fileprivate var isTerminalControl: Bool {
        switch value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
