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

/// An artifact of an input that refers to a manifest the same input's images bring (an
/// SBOM `save` or `--output type=oci` wrote as an unnamed `index.json` entry), kept with
/// that image when it is loaded.
struct ImportReferrer {
    /// The artifact manifest's descriptor, as the input's `index.json` lists it.
    var entry: Descriptor
    /// The artifact manifest, read and verified against ``entry``.
    var manifest: ImageManifest
    /// The manifest it refers to (one of the loaded images', or an index's).
    var subject: Descriptor
    /// The layout that holds its blobs.
    var source: OCILayout
}

/// What an input holds for `load`: its images, the referrers of those images, and why
/// other artifact entries that refer to something are left out (a warning each).
struct ImportContents {
    var images: [ImportCandidate]
    var referrers: [ImportReferrer] = []
    var skipped: [String] = []
}
