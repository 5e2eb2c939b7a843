/// The image manifest a ``LayoutReference`` leads to on a given platform.
public struct ResolvedManifest: Sendable, Equatable {
    /// The descriptor the reference named: the manifest itself, or the index it was chosen from.
    public var entry: Descriptor
    /// The descriptor of the chosen manifest.
    public var descriptor: Descriptor
    /// The manifest, read and verified against ``descriptor``.
    public var manifest: ImageManifest

    /// A resolution result from its parts.
    public init(entry: Descriptor, descriptor: Descriptor, manifest: ImageManifest) {
        self.entry = entry
        self.descriptor = descriptor
        self.manifest = manifest
    }
}
