import OCI

/// Names in an `index.json`: entries carrying the `org.opencontainers.image.ref.name`
/// annotation, and unnamed entries that keep an image from `prune`.
extension ImageIndex {
    /// Points `name` at `descriptor`, replacing whatever the name pointed at before; the
    /// descriptor's other annotations are kept.
    mutating func point(_ name: String, at descriptor: Descriptor) {
        var entry = descriptor
        entry.annotations = (entry.annotations ?? [:]).merging([AnnotationKey.refName: name]) { $1 }
        manifests.removeAll { $0.referenceName == name }
        manifests.append(entry)
    }

    /// Keeps `descriptor` with an unnamed entry, unless an entry already holds its digest.
    mutating func keepUnnamed(_ descriptor: Descriptor) {
        var entry = descriptor
        entry.annotations?[AnnotationKey.refName] = nil
        guard !manifests.contains(where: { $0.digest == entry.digest }) else { return }
        manifests.append(entry)
    }
}
