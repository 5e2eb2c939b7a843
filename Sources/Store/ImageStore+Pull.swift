import OCI

extension ImageStore {
    /// Records an image whose blobs a pull has put into the store: points `name` at
    /// `entry` (the manifest's descriptor, with its annotations), or keeps it as an
    /// unnamed entry when `name` is nil. Checks under the index lock that every blob of
    /// `blobs` is still there (a prune may have run).
    public func recordPulledImage(_ entry: Descriptor, blobs: [Digest], name: String?) throws {
        let normalised = try name.map { try ImageReference.storeName(parsing: $0) }
        try withIndexLocked {
            try verify(RequiredContent(blobs: Set(blobs)), for: normalised ?? entry.digest.description)
            var index = try layout.readIndex()
            if let normalised {
                index.manifests.removeAll { $0.referenceName == nil && $0.digest == entry.digest }
                index.point(normalised, at: entry)
            } else {
                index.keepUnnamed(entry)
            }
            try layout.writeIndex(index)
        }
    }
}
