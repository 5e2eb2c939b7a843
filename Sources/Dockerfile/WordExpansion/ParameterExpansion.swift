/// What follows the name in `${NAME...}`, with its operands already expanded.
enum ParameterExpansion {
    /// What `-`, `+` and `?` do with the variable.
    enum Test {
        /// `-`: the value, or the word when the variable is missing.
        case useDefault
        /// `+`: the word when the variable is present, or nothing.
        case useAlternative
        /// `?`: the value, or an error carrying the word as its message.
        case requireValue
    }

    /// `${NAME}`.
    case value
    /// `${NAME-word}`, `${NAME+word}` or `${NAME?word}`; with a `:` before the
    /// symbol (`emptyIsUnset`) an empty variable counts as missing too.
    case test(Test, word: String, emptyIsUnset: Bool)
    /// `${NAME#pattern}`, or `${NAME##pattern}` when `longest`.
    case removePrefix(pattern: String, longest: Bool)
    /// `${NAME%pattern}`, or `${NAME%%pattern}` when `longest`.
    case removeSuffix(pattern: String, longest: Bool)
    /// `${NAME/pattern/replacement}`, or `${NAME//pattern/replacement}` when `all`.
    case replace(pattern: String, replacement: String, all: Bool)
}
