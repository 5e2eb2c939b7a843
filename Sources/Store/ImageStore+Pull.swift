import OCI

extension ImageStore {
    /// Records an image whose blobs a pull has put into the store: points `name` at
    /// `entry` (the manifest's descriptor, with its annotations), keeping what the name
    /// pointed at before as an unnamed entry, or keeps `entry` as an unnamed entry when
    /// `name` is nil. Checks under the index lock that every blob of
    /// `blobs` is still there (a prune may have run).
    public func recordPulledImage(_ entry: Descriptor, blobs: [Digest], name: String?) throws {
        let normalised = try name.map { try ImageReference.storeName(parsing: $0) }
        try withIndexLocked {
            try verify(RequiredContent(blobs: Set(blobs)), for: normalised ?? entry.digest.description)
            var index = try layout.readIndex()
            if let normalised {
                let previous = index.manifests.first { $0.referenceName == normalised }
                index.manifests.removeAll { $0.referenceName == nil && $0.digest == entry.digest }
                index.point(normalised, at: entry)
                // As docker's pull: the image the name named before stays, unnamed
                // (`<none>`). A build may be about to use it by digest: stages of two
                // platforms pull the same name, each for its own platform, at once.
                if let previous, previous.digest != entry.digest { index.keepUnnamed(previous) }
            } else {
                index.keepUnnamed(entry)
            }
            try layout.writeIndex(index)
        }
    }
}
