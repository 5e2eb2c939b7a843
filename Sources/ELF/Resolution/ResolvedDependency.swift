/// One `DT_NEEDED` entry and where the image's loader would find it, with its own
/// dependencies. Each library is expanded once, under the object whose loading first needed
/// it (breadth-first, as the loader does); later references are marked ``isRepeat``.
public struct ResolvedDependency: Sendable, Equatable {
    /// The `DT_NEEDED` string.
    public let name: String
    /// The path inside the image where it was found (as searched, links not resolved), or nil.
    public let path: String?
    /// How it was found, or nil when it was not.
    public let method: ResolutionMethod?
    /// Its dependencies; empty for repeats and missing libraries.
    public let dependencies: [ResolvedDependency]
    /// Whether the library is expanded elsewhere in the tree (or is the loader itself).
    public let isRepeat: Bool
}
