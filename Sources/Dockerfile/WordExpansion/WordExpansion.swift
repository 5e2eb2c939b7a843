/// The result of expanding one Dockerfile word.
public struct WordExpansion: Sendable, Equatable {
    /// The expanded text, with quotes and escapes removed.
    public var value: String
    /// Every variable name the expansion looked up, whether it was set or not.
    ///
    /// These are the build arguments and environment variables the word depends on,
    /// so they belong in the cache key of the step that uses it.
    public var referencedNames: Set<String>

    /// Creates a result from its parts.
    public init(value: String, referencedNames: Set<String>) {
        self.value = value
        self.referencedNames = referencedNames
    }
}
