/// The result of expanding Dockerfile text and splitting it into words.
public struct WordListExpansion: Sendable, Equatable {
    /// The non-empty words, in order, with quotes and escapes removed.
    public var words: [String]
    /// Every variable name the expansion looked up, whether it was set or not.
    ///
    /// These are the build arguments and environment variables the text depends on,
    /// so they belong in the cache key of the step that uses it.
    public var referencedNames: Set<String>

    /// Creates a result from its parts.
    public init(words: [String], referencedNames: Set<String>) {
        self.words = words
        self.referencedNames = referencedNames
    }
}
