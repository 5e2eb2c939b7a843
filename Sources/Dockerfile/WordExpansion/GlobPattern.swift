/// A pattern of `${NAME#pattern}`, `${NAME%pattern}` and `${NAME/pattern/...}`.
///
/// As the Dockerfile reference and BuildKit define it: `?` matches any one
/// character, `*` any run of characters (including none), the escape character makes
/// the next character literal, and everything else, `[` included, is literal.
/// Characters are Unicode scalars, as Go's runes.
struct GlobPattern {
    /// One step of a pattern.
    enum Element: Equatable {
        /// Exactly this scalar.
        case literal(Unicode.Scalar)
        /// `?`: any one scalar.
        case anyScalar
        /// `*`: any run of scalars, possibly empty.
        case anyRun
    }

    let elements: [Element]

    /// Parses `source`, where `escape` makes the next scalar literal. A trailing
    /// escape character stands for itself.
    init(_ source: String, escape: Unicode.Scalar) {
        var elements: [Element] = []
        var scalars = source.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case escape: elements.append(.literal(scalars.next() ?? escape))
            case "*": elements.append(.anyRun)
            case "?": elements.append(.anyScalar)
            default: elements.append(.literal(scalar))
            }
        }
        self.elements = elements
    }

    init(elements: [Element]) {
        self.elements = elements
    }

    /// The same pattern read backwards, which matches the reversed texts.
    var reversed: GlobPattern {
        GlobPattern(elements: elements.reversed())
    }

    /// The lengths of the prefixes of `text` that the whole pattern matches,
    /// shortest first.
    func matchingPrefixLengths(of text: ArraySlice<Unicode.Scalar>) -> [Int] {
        var states = closure(of: [0])
        var lengths = states.contains(elements.count) ? [0] : []
        for (offset, scalar) in text.enumerated() {
            states = closure(of: advancing(states, over: scalar))
            if states.isEmpty { break }
            if states.contains(elements.count) { lengths.append(offset + 1) }
        }
        return lengths
    }

    /// The positions reachable from `states` by consuming `scalar`.
    private func advancing(_ states: Set<Int>, over scalar: Unicode.Scalar) -> Set<Int> {
        var next: Set<Int> = []
        for state in states where state < elements.count {
            switch elements[state] {
            case .anyRun: next.insert(state)
            case .anyScalar: next.insert(state + 1)
            case .literal(let expected) where expected == scalar: next.insert(state + 1)
            case .literal: break
            }
        }
        return next
    }

    /// `states` plus every position reachable from them by letting a `*` match nothing.
    private func closure(of states: Set<Int>) -> Set<Int> {
        var result = states
        for var state in states {
            while state < elements.count, elements[state] == .anyRun {
                state += 1
                result.insert(state)
            }
        }
        return result
    }
}
