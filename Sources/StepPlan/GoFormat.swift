import OCI

/// The few Go `fmt` verbs BuildKit uses when it writes image history, so swiftbuild's
/// history reads exactly like `docker build`'s.
public enum GoFormat {
    /// `%q` of a string: double-quoted with Go's escapes.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `%q` of a `[]string`: `["a" "b"]`.
    static func quoted(_ words: [String]) -> String {
        "[" + words.map { quoted($0) }.joined(separator: " ") + "]"
    }

    /// `%q` of a `*HealthConfig`: `&{["CMD-SHELL" "curl x"] "30s" "0s" "0s" "0s" '\x03'}`.
    static func quoted(_ check: Healthcheck) -> String {
        let durations = [check.interval, check.timeout, check.startPeriod, check.startInterval]
            .map { quoted(duration($0 ?? 0)) }
        let retries = "'\\x" + String(check.retries ?? 0, radix: 16).leftPadded(to: 2) + "'"
        return "&{" + ([quoted(check.test ?? [])] + durations + [retries]).joined(separator: " ") + "}"
    }

    /// A duration as Go's `time.Duration.String` prints it: `1h2m3s`, `1.5s`, `500ms`, `0s`.
    static func duration(_ nanoseconds: Int64) -> String {
        guard nanoseconds != 0 else { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let value = nanoseconds.magnitude
        if value < 1_000 { return sign + "\(value)ns" }
        if value < 1_000_000 { return sign + decimal(value, unit: 1_000) + "µs" }
        if value < 1_000_000_000 { return sign + decimal(value, unit: 1_000_000) + "ms" }
        var seconds = value / 1_000_000_000
        let fraction = value % 1_000_000_000
        var text = ""
        if seconds >= 3600 { text += "\(seconds / 3600)h"; seconds %= 3600 }
        if !text.isEmpty || seconds >= 60 { text += "\(seconds / 60)m"; seconds %= 60 }
        return sign + text + decimal(seconds * 1_000_000_000 + fraction, unit: 1_000_000_000) + "s"
    }

    /// `value / unit` with the fraction's trailing zeros removed.
    private static func decimal(_ value: UInt64, unit: UInt64) -> String {
        let whole = value / unit, fraction = value % unit
        guard fraction != 0 else { return "\(whole)" }
        var digits = String(fraction).leftPadded(to: String(unit).count - 1)
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
