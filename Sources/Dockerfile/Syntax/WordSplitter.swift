/// Splits instruction text into words on unquoted whitespace, keeping quotes and
/// escapes in the words.
///
/// This is the first step for ENV, LABEL and ARG (`a="x y" b=2` is two words) and for
/// finding here-document openers; expansion later removes the quotes.
struct WordSplitter {
    var escape: Character

    func split(_ text: some StringProtocol) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character? = nil
        var keepEmpty = false
        var iterator = Array(text)[...]
        while let character = iterator.popFirst() {
            if let open = quote {
                word.append(character)
                if character == open {
                    quote = nil
                } else if character == escape, open != "'", let next = iterator.popFirst() {
                    word.append(next)
                }
                continue
            }
            if character.isWhitespace {
                if inWord, keepEmpty || !word.isEmpty { words.append(word) }
                word = ""
                inWord = false
                keepEmpty = false
                continue
            }
            inWord = true
            if character == "\"" || character == "'" {
                quote = character
                keepEmpty = true
            } else if character == escape {
                guard let next = iterator.popFirst() else { continue }
                word.append(character)
                word.append(next)
                continue
            }
            word.append(character)
        }
        if inWord, keepEmpty || !word.isEmpty { words.append(word) }
        return words
    }
}
