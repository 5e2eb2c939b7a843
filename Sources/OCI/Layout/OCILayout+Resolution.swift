extension OCILayout {
    /// How many indexes deep resolution follows nested indexes.
    public static let maxIndexNesting = 8

    /// Finds the image `reference` names and the manifest in it for `platform`: the
    /// entry is looked up in `index.json` (see ``entry(for:platform:)``), then nested
    /// indexes are followed as ``resolveManifest(from:platform:)`` does.
    public func resolveManifest(_ reference: LayoutReference, platform: Platform = .host) throws(OCIError)
        -> ResolvedManifest
    {
        let entry = try entry(for: reference, platform: platform)
        var resolved = try resolveManifest(from: entry, platform: platform)
        resolved.entry = entry
        return resolved
    }

    /// The descriptor `reference` names.
    /// - A name picks the `index.json` entries with that `org.opencontainers.image.ref.name`;
    ///   when they differ, the one for `platform` (see ``Platform/bestMatch(in:)``).
    /// - A digest picks the entry with that digest in `index.json`, or else in the indexes
    ///   it lists, searched depth first.
    /// - ``LayoutReference/onlyImage`` picks the single entry of `index.json`.
    public func entry(for reference: LayoutReference, platform: Platform = .host) throws(OCIError) -> Descriptor {
        let index = try readIndex()
        switch reference {
        case .name(let name):
            return try choose(
                among: index.manifests.filter { $0.referenceName == name }, in: index,
                reference: reference, platform: platform)
        case .digest(let digest):
            guard let found = try find(digest, in: index.manifests, depth: 0) else {
                throw notFound(reference, in: index)
            }
            return found
        case .onlyImage:
            return try choose(among: index.manifests, in: index, reference: reference, platform: nil)
        }
    }

    /// The manifest `descriptor` leads to on `platform`: the manifest itself, or, for an
    /// index (OCI or Docker manifest list), the entry ``Platform/bestMatch(in:)`` picks,
    /// followed through nested indexes. Every document read is verified against its descriptor.
    public func resolveManifest(from descriptor: Descriptor, platform: Platform = .host) throws(OCIError)
        -> ResolvedManifest
    {
        var current = descriptor
        for _ in 0...Self.maxIndexNesting {
            if current.mediaType.isManifest {
                let manifest = try decodeBlob(current, as: ImageManifest.self)
                return ResolvedManifest(entry: descriptor, descriptor: current, manifest: manifest)
            }
            guard current.mediaType.isIndex else {
                throw .unsupportedMediaType(current.mediaType, digest: current.digest)
            }
            let index = try decodeBlob(current, as: ImageIndex.self)
            guard let chosen = platform.bestMatch(in: index.manifests) else {
                throw .noMatchingPlatform(
                    source: "index \(current.digest)", requested: platform,
                    available: index.manifests.compactMap(\.platform))
            }
            current = chosen
        }
        throw .indexNestingTooDeep(digest: descriptor.digest, limit: Self.maxIndexNesting)
    }

    /// One of `candidates` (entries of `index.json`): the first when they all name the same
    /// content, else the one for `platform` when one is given.
    private func choose(
        among candidates: [Descriptor], in index: ImageIndex, reference: LayoutReference, platform: Platform?
    ) throws(OCIError) -> Descriptor {
        guard let first = candidates.first else { throw notFound(reference, in: index) }
        if candidates.allSatisfy({ $0.digest == first.digest }) {
            return first
        }
        if let platform {
            if let match = platform.bestMatch(in: candidates) {
                return match
            }
            if candidates.allSatisfy({ $0.platform != nil }) {
                throw .noMatchingPlatform(
                    source: "\(indexPath) entries named '\(reference)'", requested: platform,
                    available: candidates.compactMap(\.platform))
            }
        }
        throw .ambiguousReference(
            reference: reference.description, layout: root, candidates: candidates.map(Self.summary))
    }

    /// The descriptor with `digest` among `descriptors` or in the indexes they name.
    private func find(_ digest: Digest, in descriptors: [Descriptor], depth: Int) throws(OCIError) -> Descriptor? {
        if let found = descriptors.first(where: { $0.digest == digest }) {
            return found
        }
        for descriptor in descriptors where descriptor.mediaType.isIndex {
            guard depth < Self.maxIndexNesting else {
                throw .indexNestingTooDeep(digest: descriptor.digest, limit: Self.maxIndexNesting)
            }
            let nested = try decodeBlob(descriptor, as: ImageIndex.self)
            if let found = try find(digest, in: nested.manifests, depth: depth + 1) {
                return found
            }
        }
        return nil
    }

    /// The error for a reference that names nothing, listing the names the layout has.
    private func notFound(_ reference: LayoutReference, in index: ImageIndex) -> OCIError {
        let names = Set(index.manifests.compactMap(\.referenceName)).sorted()
        return .referenceNotFound(reference: reference.description, layout: root, available: names)
    }

    /// `name@digest (platform)` for an index entry, for error messages.
    private static func summary(_ descriptor: Descriptor) -> String {
        var text = descriptor.referenceName.map { "\($0)@\(descriptor.digest)" } ?? descriptor.digest.description
        if let platform = descriptor.platform {
            text += " (\(platform))"
        }
        return text
    }
}
