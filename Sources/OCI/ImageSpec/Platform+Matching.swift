extension Platform {
    /// Picks the entry of an index (or of a list of tagged descriptors) to use on this
    /// platform. Entries that are neither manifests nor indexes are ignored, as the spec
    /// requires for unknown media types. In order of preference:
    /// 1. the first entry whose platform ``matches(_:)`` this one;
    /// 2. when this platform has no variant (after normalisation), the first entry with
    ///    the same OS and architecture and any variant;
    /// 3. the only entry that declares no platform at all.
    public func bestMatch(in descriptors: [Descriptor]) -> Descriptor? {
        let usable = descriptors.filter { $0.mediaType.isManifest || $0.mediaType.isIndex }
        if let exact = usable.first(where: { $0.platform.map(matches) ?? false }) {
            return exact
        }
        let wanted = normalized
        if wanted.variant == nil,
            let anyVariant = usable.first(where: { descriptor in
                guard let offered = descriptor.platform?.normalized else { return false }
                return offered.os == wanted.os && offered.architecture == wanted.architecture
            })
        {
            return anyVariant
        }
        let unplatformed = usable.filter { $0.platform == nil }
        return unplatformed.count == 1 ? unplatformed[0] : nil
    }
}
