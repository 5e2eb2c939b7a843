import Foundation
import OCI
import Synchronization

/// The sha256 of context files' contents, remembered by ``FileIdentity`` so that an
/// unchanged file is read once. Safe to share between concurrent stages. A build loads
/// it from the store and writes back what it used, so the next build of the same
/// context does not read unchanged files again.
final class ContentDigestCache: Sendable {
    private struct Entries: Sendable {
        /// What the file held, loaded or learned.
        var known: [FileIdentity: Digest] = [:]
        /// The entries this process looked up or learned: what ``write(to:)`` keeps.
        var used: [FileIdentity: Digest] = [:]
    }

    private let entries = Mutex(Entries())

    /// An empty cache.
    init() {}

    /// The cache written at `url` by an earlier build; empty when there is none or it
    /// cannot be read (it is only ever a shortcut).
    init(contentsOf url: URL) {
        guard let data = try? Data(contentsOf: url),
              let saved = try? JSONDecoder().decode([SavedEntry].self, from: data) else { return }
        entries.withLock { entries in
            for entry in saved { entries.known[entry.file] = entry.digest }
        }
    }

    /// The remembered digest of that version of the file, if any.
    func digest(for identity: FileIdentity) -> Digest? {
        entries.withLock { entries in
            guard let digest = entries.known[identity] else { return nil }
            entries.used[identity] = digest
            return digest
        }
    }

    /// Remembers `digest` for that version of the file.
    func remember(_ digest: Digest, for identity: FileIdentity) {
        entries.withLock { entries in
            entries.known[identity] = digest
            entries.used[identity] = digest
        }
    }

    /// Atomically writes the entries this process used to `url`.
    func write(to url: URL) throws {
        let saved = entries.withLock { $0.used.map { SavedEntry(file: $0.key, digest: $0.value) } }
        try JSONEncoder().encode(saved).write(to: url, options: .atomic)
    }

    private struct SavedEntry: Codable {
        var file: FileIdentity
        var digest: Digest
    }
}
