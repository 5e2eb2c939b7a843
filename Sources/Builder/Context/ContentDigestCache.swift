import OCI
import Synchronization

/// The sha256 of context files' contents, remembered by ``FileIdentity`` so that an
/// unchanged file is read once per process. Safe to share between concurrent stages.
final class ContentDigestCache: Sendable {
    private let digests = Mutex<[FileIdentity: Digest]>([:])

    /// The remembered digest of that version of the file, if any.
    func digest(for identity: FileIdentity) -> Digest? {
        digests.withLock { $0[identity] }
    }

    /// Remembers `digest` for that version of the file.
    func remember(_ digest: Digest, for identity: FileIdentity) {
        digests.withLock { $0[identity] = digest }
    }
}
