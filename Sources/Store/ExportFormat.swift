/// The formats `swiftbuild save` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// A tar of an OCI image layout (`skopeo`'s `oci-archive:`).
    case ociArchive = "oci-archive"
    /// The `docker save` format, for `docker load` and `podman load`.
    case dockerArchive = "docker-archive"
    /// An OCI image layout directory (`skopeo`'s `oci:`, `umoci --image DIR:TAG`).
    case ociDirectory = "oci-dir"
}
