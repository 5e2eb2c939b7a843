import OCI

/// A WORKDIR, resolved: the directory its step creates (when missing) and for whom.
public struct WorkdirStep: Sendable {
    /// The stage's working directory after the instruction, as the config records it.
    public var path: String
    /// The USER the directory is created for (resolved in the step's own /etc/passwd).
    public var user: String
    public var target: StepTarget
    /// What the image history records for it.
    public var historyLine: String

    /// The directory's components inside the root, cleaned as BuildKit's mkdir cleans
    /// them (`/a/../b` makes `/b`); the config keeps the path as written.
    public var components: [String] { RootedPath.components(path) }

    /// The step's key over the filesystem whose key is `parent`.
    public func cacheKey(over parent: Digest) -> Digest {
        CacheKey.step("workdir", over: parent, target: target)
            .adding(path)
            .adding(user)
            .digest
    }
}
