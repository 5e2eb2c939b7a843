import OCI

/// What the distribution API needs of a reference.
extension ImageReference {
    /// What the registry API calls the manifest: the digest when there is one, else the tag.
    public var manifestReference: String {
        digest?.description ?? tag ?? "latest"
    }

    /// The host the registry API is served from: Docker Hub's is `registry-1.docker.io`.
    public var apiHost: String {
        registry == Self.dockerHub ? "registry-1.docker.io" : registry
    }
}
