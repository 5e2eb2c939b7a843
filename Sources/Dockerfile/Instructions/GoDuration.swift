/// Parses durations written the way Go's `time.ParseDuration` reads them (`30s`, `1m30s`, `1.5h`, `500ms`).
enum GoDuration {
    /// The duration in nanoseconds, or nil when `text` is not a duration or is out of range
    /// (Go's "invalid duration": more than about 292 years).
    static func nanoseconds(_ text: String) -> Int64? {
        let units: [(String, Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)
        ]
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix(while: { $0.isNumber || $0 == "." })
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count }) else {
                return nil
            }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        // Int64 cannot hold 2^63 (Double's nearest value to Int64.max): refuse it and beyond.
        guard total.isFinite, total < 9_223_372_036_854_775_807.0 else { return nil }
        return Int64(negative ? -total : total)
    }
}
