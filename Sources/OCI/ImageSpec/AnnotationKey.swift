/// Pre-defined annotation keys from the OCI image spec, for `annotations` maps on
/// manifests, indexes and descriptors.
public enum AnnotationKey {
    /// The name of a reference in an image layout's `index.json` (a tag such as `app:latest`).
    public static let refName = "org.opencontainers.image.ref.name"
    /// When the image was created, as an RFC 3339 date-time.
    public static let created = "org.opencontainers.image.created"
    /// Who is responsible for the image.
    public static let authors = "org.opencontainers.image.authors"
    /// Where to find more information on the image.
    public static let url = "org.opencontainers.image.url"
    /// Where to find the image's documentation.
    public static let documentation = "org.opencontainers.image.documentation"
    /// Where to find the source code the image was built from.
    public static let source = "org.opencontainers.image.source"
    /// The version of the packaged software.
    public static let version = "org.opencontainers.image.version"
    /// The source control revision the image was built from.
    public static let revision = "org.opencontainers.image.revision"
    /// Who distributes the image.
    public static let vendor = "org.opencontainers.image.vendor"
    /// The licenses of the packaged software, as an SPDX expression.
    public static let licenses = "org.opencontainers.image.licenses"
    /// A human-readable title.
    public static let title = "org.opencontainers.image.title"
    /// A human-readable description.
    public static let description = "org.opencontainers.image.description"
    /// The digest of the image this one was built on.
    public static let baseImageDigest = "org.opencontainers.image.base.digest"
    /// The reference of the image this one was built on.
    public static let baseImageName = "org.opencontainers.image.base.name"
}
