import OCI

/// How the store names images: as docker shows them (`app` is `app:latest`, Docker Hub's
/// `docker.io/library/alpine` is `alpine`, `registry:5000/team/app:1.2` stays as written),
/// the form `index.json` holds in `org.opencontainers.image.ref.name`.
extension ImageReference {
    /// The name an image fetched by this reference gets in the store: the familiar
    /// repository with the tag (`alpine:3.20`); nil when the reference has only a digest.
    public var storeName: String? {
        tag.map { "\(familiarRepository):\($0)" }
    }

    /// `text` as a name to tag an image with: a reference (see ``ImageReference``) without
    /// a digest, in its ``storeName`` form.
    ///
    /// - Throws: ``StoreError/invalidName(_:reason:)`` saying why.
    public static func storeName(parsing text: String) throws(StoreError) -> String {
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: text)
        } catch {
            throw StoreError.invalidName(text, reason: error.reason)
        }
        guard reference.digest == nil, let name = reference.storeName else {
            throw StoreError.invalidName(text, reason: "a name to tag an image with has no digest (@...)")
        }
        return name
    }
}

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

    /// Points each of `names` at `descriptor`, dropping the unnamed entry that kept it (a
    /// name keeps it now); with no names, keeps it with an unnamed entry.
    mutating func point(_ names: [String], at descriptor: Descriptor) {
        guard !names.isEmpty else { return keepUnnamed(descriptor) }
        manifests.removeAll { $0.referenceName == nil && $0.digest == descriptor.digest }
        for name in names { point(name, at: descriptor) }
    }

    /// Keeps `descriptor` with an unnamed entry, unless an entry already holds its digest.
    mutating func keepUnnamed(_ descriptor: Descriptor) {
        var entry = descriptor
        entry.annotations?[AnnotationKey.refName] = nil
        guard !manifests.contains(where: { $0.digest == entry.digest }) else { return }
        manifests.append(entry)
    }
}
