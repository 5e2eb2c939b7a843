/// Separates the leading `--name[=value]` words of an instruction from the rest.
///
/// Quotes inside a flag word are removed (`--mount=target="/a b"` is one word), a
/// backslash escapes the next character, and a lone `--` ends the flags.
enum FlagWords {
    static func extract(from text: Substring) -> (flags: [String], rest: Substring) {
        var flags: [String] = []
        var index = text.startIndex
        while true {
            index = text[index...].firstIndex(where: { !$0.isWhitespace }) ?? text.endIndex
            guard text[index...].hasPrefix("--") else { return (flags, text[index...]) }
            var word = ""
            var keepEmpty = false
            var quote: Character? = nil
            var cursor = index
            while cursor < text.endIndex {
                let character = text[cursor]
                if quote == nil, character.isWhitespace { break }
                cursor = text.index(after: cursor)
                if let open = quote, character == open {
                    quote = nil
                } else if quote == nil, character == "\"" || character == "'" {
                    quote = character
                    keepEmpty = true
                } else if character == "\\", cursor < text.endIndex {
                    word.append(text[cursor])
                    cursor = text.index(after: cursor)
                } else if character != "\\" {
                    word.append(character)
                }
            }
            if word == "--" { return (flags, text[cursor...].drop(while: \.isWhitespace)) }
            if keepEmpty || !word.isEmpty { flags.append(word) }
            index = cursor
        }
    }
}
