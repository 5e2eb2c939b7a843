extension ExpansionScanner {
    /// Expands `$NAME`, `${...}` or a lone `$`, starting at the `$`.
    mutating func expandDollar() throws(WordExpansionError) -> String {
        advance()
        guard peek() == "{" else {
            let name = scanName()
            return name.isEmpty ? "$" : lookUp(name) ?? ""
        }
        advance()
        return try expandBraced()
    }

    /// Expands the rest of a `${...}` after its opening brace.
    private mutating func expandBraced() throws(WordExpansionError) -> String {
        switch peek() {
        case nil:
            throw failure(Self.missingTerminator("}"))
        case "{", "}", ":":
            throw failure("syntax error: bad substitution")
        default:
            // Each `${` recurses through the operand it may hold; bound the stack.
            guard depth < DockerfileLimits.expansionDepth else {
                throw failure("${...} nested more than \(DockerfileLimits.expansionDepth) deep")
            }
            depth += 1
            defer { depth -= 1 }
            let name = scanName()
            let expansion = try scanParameterExpansion()
            return try evaluate(expansion, of: name)
        }
    }

    /// A name as BuildKit reads it: a run of digits (`1`), one special parameter
    /// (`@ * # ? - $ !`), or a run of letters, digits and `_`. Empty if none starts here.
    private mutating func scanName() -> String {
        guard let first = peek() else { return "" }
        if first.isDecimalDigit { return scan(while: \.isDecimalDigit) }
        if "@*#?-$!".unicodeScalars.contains(first) {
            advance()
            return String(first)
        }
        return scan(while: \.isNameCharacter)
    }

    private mutating func scan(while belongs: (Unicode.Scalar) -> Bool) -> String {
        var text = ""
        while let scalar = peek(), belongs(scalar) {
            text.unicodeScalars.append(scalar)
            advance()
        }
        return text
    }

    /// Reads what follows the name up to and including the closing brace.
    private mutating func scanParameterExpansion() throws(WordExpansionError) -> ParameterExpansion {
        guard let symbol = next() else { throw failure(Self.missingTerminator("}")) }
        switch symbol {
        case "}":
            return .value
        case ":":
            guard let testSymbol = next() else { throw failure(Self.missingTerminator("}")) }
            return try scanTest(testSymbol, emptyIsUnset: true)
        case "-", "+", "?":
            return try scanTest(symbol, emptyIsUnset: false)
        case "#":
            let longest = skip("#")
            return .removePrefix(pattern: try scanOperand(until: "}", keepingEscapes: true), longest: longest)
        case "%":
            let longest = skip("%")
            return .removeSuffix(pattern: try scanOperand(until: "}", keepingEscapes: true), longest: longest)
        case "/":
            let all = skip("/")
            let pattern = try scanOperand(until: "/", keepingEscapes: true)
            let replacement = try scanOperand(until: "}", keepingEscapes: true)
            return .replace(pattern: pattern, replacement: replacement, all: all)
        default:
            throw unsupportedModifier(String(symbol))
        }
    }

    /// Reads the word of `-`, `+` or `?` (after an optional `:`).
    private mutating func scanTest(_ symbol: Unicode.Scalar, emptyIsUnset: Bool) throws(WordExpansionError) -> ParameterExpansion {
        let test: ParameterExpansion.Test
        switch symbol {
        case "-": test = .useDefault
        case "+": test = .useAlternative
        case "?": test = .requireValue
        default: throw unsupportedModifier((emptyIsUnset ? ":" : "") + String(symbol))
        }
        let word = try scanOperand(until: "}", keepingEscapes: false)
        return .test(test, word: word, emptyIsUnset: emptyIsUnset)
    }

    /// Expands an operand up to and including `stop`. Running out of text, even
    /// inside a nested quote or `${`, is reported as the missing `stop`, as BuildKit does.
    private mutating func scanOperand(until stop: Unicode.Scalar, keepingEscapes: Bool) throws(WordExpansionError) -> String {
        do throws(WordExpansionError) {
            return try scan(until: stop, keepingEscapes: keepingEscapes).text
        } catch {
            guard isAtEnd else { throw error }
            throw failure(Self.missingTerminator(stop))
        }
    }

    /// Consumes `scalar` if it comes next.
    private mutating func skip(_ scalar: Unicode.Scalar) -> Bool {
        guard peek() == scalar else { return false }
        advance()
        return true
    }

    /// The value of `name` after `expansion`.
    private mutating func evaluate(_ expansion: ParameterExpansion, of name: String) throws(WordExpansionError) -> String {
        let value = lookUp(name)
        switch expansion {
        case .value:
            return value ?? ""
        case .test(let test, let word, let emptyIsUnset):
            return try apply(test, word: word, to: value, of: name, emptyIsUnset: emptyIsUnset)
        case .removePrefix(let pattern, let longest):
            return GlobPattern(pattern, escape: escape).removingPrefix(from: value ?? "", longest: longest)
        case .removeSuffix(let pattern, let longest):
            return GlobPattern(pattern, escape: escape).removingSuffix(from: value ?? "", longest: longest)
        case .replace(let pattern, let replacement, let all):
            guard
                let replaced = GlobPattern(pattern, escape: escape).replacing(
                    in: value ?? "", with: replacement, all: all, limit: DockerfileLimits.expandedLength)
            else {
                throw failure("the expanded value is longer than \(DockerfileLimits.expandedLength) bytes, the limit for one word")
            }
            return replaced
        }
    }

    /// Applies `-`, `+` or `?` to the variable `name`, whose value is `value`.
    private func apply(
        _ test: ParameterExpansion.Test, word: String, to value: String?, of name: String, emptyIsUnset: Bool
    ) throws(WordExpansionError) -> String {
        let present = emptyIsUnset && value == "" ? nil : value
        switch test {
        case .useDefault:
            return present ?? word
        case .useAlternative:
            return present == nil ? "" : word
        case .requireValue:
            if let present { return present }
            let problem = value == nil ? "is not allowed to be unset" : "is not allowed to be empty"
            throw failure("\(name): \(word.isEmpty ? problem : word)")
        }
    }

    private func unsupportedModifier(_ modifier: String) -> WordExpansionError {
        failure("unsupported modifier (\(modifier)) in substitution")
    }
}

extension Unicode.Scalar {
    /// A decimal digit in any script, as Go's `unicode.IsDigit`.
    fileprivate var isDecimalDigit: Bool { properties.numericType == .decimal }

    /// A letter in any script, a decimal digit or `_`, as BuildKit's names allow.
    fileprivate var isNameCharacter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return self == "_" || isDecimalDigit
        }
    }
}
