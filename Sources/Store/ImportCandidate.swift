import OCI

/// One image found in an input (archive or layout), before it is copied into the store.
struct ImportCandidate {
    /// The names to tag it with (normalised); empty when the input gave none.
    var names: [String]
    /// The index entry the names point at (a manifest, or an index for several platforms).
    var entry: Descriptor
    /// The manifest for the store's platform, verified.
    var resolved: ResolvedManifest
    /// The layout that holds its blobs.
    var source: OCILayout
    /// Another platform's image of an index entry that another candidate imports: it is
    /// imported too (so the store's index has every platform the input had), but named
    /// by nothing of its own, since the index keeps it.
    var keptByIndex = false
}
