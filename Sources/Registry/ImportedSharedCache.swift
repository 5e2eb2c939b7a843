import Foundation
import OCI
import Store
import Synchronization

/// A ``SharedCache`` read from a registry for one build (`--cache-from`): its records are
/// known from the start, their layers are downloaded one by one as build steps hit them.
///
/// ``record(for:progress:)`` is what a step that finds no record in the store asks: when
/// the cache has one for its key, the layer blob is downloaded (unless the store has it),
/// unpacked into its snapshot with its diff ID checked, and the record written to the
/// store, so the step hits and later builds on this store hit without the registry.
/// Concurrent stages asking for the same layer share one download.
public final class ImportedSharedCache: Sendable {
    /// Where the cache was read from.
    public let reference: ImageReference
    private let client: RegistryClient
    private let store: ImageStore
    private let entries: [Digest: SharedCache.Entry]
    /// Layer downloads under way or done, by blob digest, so each happens once.
    private let fetches = Mutex<[Digest: Task<Void, any Error>]>([:])

    init(client: RegistryClient, reference: ImageReference, store: ImageStore, entries: [SharedCache.Entry]) {
        self.client = client
        self.reference = reference
        self.store = store
        self.entries = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// How many records the cache holds that a build could use.
    public var recordCount: Int { entries.count }

    /// The record for `key`, made usable in the store first (its layer downloaded and
    /// unpacked), or nil when the cache has no record for it. `progress` hears about the
    /// layer's download, if one is needed.
    public func record(
        for key: Digest, progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws -> CacheRecord? {
        guard let entry = entries[key] else { return nil }
        if let diffID = entry.diffID, let layer = entry.layer, !store.hasSnapshot(diffID) {
            try await fetchSnapshot(of: layer, diffID: diffID, progress: progress)
        }
        let record = CacheRecord(snapshot: entry.diffID, created: entry.created)
        try store.recordCache(record, for: key)
        return record
    }

    /// Downloads `layer` and unpacks it into the snapshot for `diffID`, once per layer.
    private func fetchSnapshot(
        of layer: Descriptor, diffID: Digest, progress: @escaping @Sendable (TransferProgress) -> Void
    ) async throws {
        let (client, reference, store) = (client, reference, store)
        let task = fetches.withLock { tasks in
            if let running = tasks[layer.digest] { return running }
            let task = Task {
                try await client.download(layer, from: reference, into: store, progress: progress)
                try store.importSnapshot(of: layer, diffID: diffID)
            }
            tasks[layer.digest] = task
            return task
        }
        do {
            try await task.value
        } catch {
            // A failed download may be tried again by a later step.
            fetches.withLock { tasks in if tasks[layer.digest] == task { tasks[layer.digest] = nil } }
            throw error
        }
    }
}
