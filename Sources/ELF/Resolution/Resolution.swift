/// The outcome of resolving an executable's dependencies inside an image root.
public struct Resolution: Sendable, Equatable {
    /// The executable's path inside the image, as given.
    public let path: String
    /// Its `PT_INTERP`, or nil for files without one (nothing is then resolved).
    public let interpreter: String?
    /// The family of the loader the image provides, by its contents; nil when the loader is
    /// missing or of neither family.
    public let loader: LoaderFamily?
    /// The directories searched after the per-object paths and the cache: glibc's default
    /// directories or musl's search path.
    public let defaultDirectories: [String]
    /// The dependency tree, in `DT_NEEDED` order.
    public let dependencies: [ResolvedDependency]
    /// Everything that would stop the executable from starting.
    public let findings: [ResolutionFinding]
    /// Caveats about the result, e.g. that `/etc/ld.so.conf` was searched because there is no cache.
    public let warnings: [String]

    /// Whether nothing would stop the executable from starting.
    public var isClean: Bool { findings.isEmpty }
}
