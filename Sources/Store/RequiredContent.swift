import OCI

/// The blobs and snapshots an image about to be tagged needs.
///
/// An operation that reuses content already in the store checks it outside the index
/// lock; a `prune` may remove it before the tag is written. So the operation checks
/// again, under the lock, right before tagging.
struct RequiredContent {
    var blobs: Set<Digest> = []
    var snapshots: Set<Digest> = []
}

extension ImageStore {
    /// Throws unless every required blob and snapshot is in the store; call under the index lock.
    func verify(_ required: RequiredContent, for image: String) throws {
        let missingBlobs = required.blobs.filter { !layout.hasBlob($0) }
        let missingSnapshots = required.snapshots.filter { !hasSnapshot($0) }
        guard missingBlobs.isEmpty, missingSnapshots.isEmpty else {
            let missing = (missingBlobs.map { "blob \($0)" } + missingSnapshots.map { "snapshot \($0)" }).sorted()
            throw StoreError.invalidImage(
                image,
                reason:
                    "content it shares with the store was removed while it was being stored (a prune ran?): \(missing.joined(separator: ", ")); run the command again"
            )
        }
    }
}
