extension GlobPattern {
    /// `text` without the shortest (or longest) prefix the pattern matches, or
    /// `text` unchanged when no prefix matches.
    func removingPrefix(from text: String, longest: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        let lengths = matchingPrefixLengths(of: scalars[...])
        guard let length = longest ? lengths.last : lengths.first else { return text }
        return String(scalars[length...])
    }

    /// `text` without the shortest (or longest) suffix the pattern matches, or
    /// `text` unchanged when no suffix matches.
    func removingSuffix(from text: String, longest: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        let lengths = reversed.matchingPrefixLengths(of: scalars.reversed()[...])
        guard let length = longest ? lengths.last : lengths.first else { return text }
        return String(scalars[..<(scalars.count - length)])
    }

    /// `text` with the first match of the pattern (or every match, when `all`)
    /// replaced by `replacement`; nil once the result would exceed `limit` UTF-8 bytes.
    ///
    /// A match is the longest one at the leftmost position where the pattern
    /// matches. Like BuildKit (Go's `regexp`), an empty pattern matches, and a
    /// replace-all skips an empty match right after the previous match.
    func replacing(in text: String, with replacement: String, all: Bool, limit: Int = .max) -> String? {
        let scalars = Array(text.unicodeScalars)
        var result = ""
        var copiedUpTo = 0
        var searchStart = 0
        while searchStart <= scalars.count, let match = firstMatch(in: scalars, from: searchStart) {
            result += String(scalars[copiedUpTo..<match.lowerBound])
            if !match.isEmpty || match.lowerBound > copiedUpTo || match.lowerBound == 0 {
                result += replacement
            }
            if result.utf8.count > limit { return nil }
            copiedUpTo = match.upperBound
            searchStart = max(match.upperBound, searchStart + 1)
            if !all { break }
        }
        result += String(scalars[copiedUpTo...])
        return result.utf8.count > limit ? nil : result
    }

    /// The longest match that starts at the leftmost possible position from `start` on.
    private func firstMatch(in scalars: [Unicode.Scalar], from start: Int) -> Range<Int>? {
        for matchStart in start...scalars.count {
            if let length = matchingPrefixLengths(of: scalars[matchStart...]).last {
                return matchStart..<(matchStart + length)
            }
        }
        return nil
    }
}

extension String {
    /// A string made of `scalars`.
    fileprivate init(_ scalars: ArraySlice<Unicode.Scalar>) {
        self.init(String.UnicodeScalarView(scalars))
    }
}
