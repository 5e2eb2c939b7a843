import Foundation
import Glibc
import OCI
import Store
import Synchronization
import System

/// The sha256 of context files' contents, remembered by ``FileIdentity`` so that an
/// unchanged file is read once. Safe to share between concurrent stages. A build loads
/// it from the store's memo (``ImageStore/contextDigestsFile``) and writes back what it
/// used, so the next build of the same context does not read unchanged files again.
///
/// Entries are held compactly (the hash as 32 bytes, not as a ``Digest``'s strings) and
/// the file is read and written a line at a time (see ``ContentDigestCacheFile``), so
/// neither costs more than the entries themselves.
final class ContentDigestCache: Sendable {
    /// A remembered hash, and whether this process looked it up or learned it: what
    /// ``write(to:)`` keeps.
    private struct Entry: Sendable {
        var hash: SHA256Hash
        var used: Bool
    }

    private let entries = Mutex([FileIdentity: Entry]())

    /// An empty cache.
    init() {}

    /// The cache an earlier build wrote to `store`; empty when there is none or it cannot
    /// be read (it is only ever a shortcut).
    init(from store: ImageStore) {
        var loaded: [FileIdentity: Entry] = [:]
        let complete = ContentDigestCacheFile.read(store.contextDigestsFile.path) { identity, hash in
            loaded[identity] = Entry(hash: hash, used: false)
        }
        guard complete else { return }
        entries.withLock { $0 = loaded }
    }

    /// The remembered digest of that version of the file, if any.
    func digest(for identity: FileIdentity) -> Digest? {
        entries.withLock { entries in
            guard let index = entries.index(forKey: identity) else { return nil }
            entries.values[index].used = true
            return entries.values[index].hash.digest
        }
    }

    /// Remembers `digest` (a sha256) for that version of the file.
    func remember(_ digest: Digest, for identity: FileIdentity) {
        guard let hash = SHA256Hash(digest) else { return }
        entries.withLock { $0[identity] = Entry(hash: hash, used: true) }
    }

    /// Replaces the store's memo with the entries this process used.
    func write(into store: ImageStore) throws {
        try store.replaceContextDigests { path in
            try entries.withLock { entries throws(SystemError) in
                try ContentDigestCacheFile.write(path) { emit throws(SystemError) in
                    for (identity, entry) in entries where entry.used {
                        try emit(identity, entry.hash)
                    }
                }
            }
        }
    }
}
