import Dockerfile

/// Where a copy reads from: the build context (with its `.dockerignore`) or the root
/// filesystem of another stage or image (`--from`).
public struct SourceTree: Sendable {
    /// The tree's root directory; every source path resolves inside it.
    public let directory: String
    /// Rules naming paths that are not part of the tree (the context's `.dockerignore`).
    public let ignore: DockerIgnore?
    /// Whether copies keep the source files' uid and gid (BuildKit does for `--from`;
    /// context files always arrive owned by 0:0).
    public let preservesOwnership: Bool

    /// A tree with explicit rules; ``BuildContext/sourceTree`` and
    /// ``rootFilesystem(at:)`` are the usual ways to get one.
    public init(directory: String, ignore: DockerIgnore?, preservesOwnership: Bool) {
        self.directory = directory
        self.ignore = ignore
        self.preservesOwnership = preservesOwnership
    }

    /// The root filesystem of a stage or image, for `COPY --from`: nothing is ignored and
    /// ownership is kept.
    public static func rootFilesystem(at directory: String) -> SourceTree {
        SourceTree(directory: directory, ignore: nil, preservesOwnership: true)
    }
}
