import Dockerfile
import Foundation
import OCI
import StepPlan
import Store

extension StageBuilder {
    /// Runs a filesystem step through the build cache: on a hit (unless `--no-cache`) the
    /// recorded layer is put on the chain and `body` does not run; on a miss `body` runs
    /// and its outcome is recorded under `key`; either way the chain's key becomes `key`.
    /// A nil key (sources that cannot be read) runs `body` without the cache and gives the
    /// chain a random key, so no later step can hit.
    ///
    /// - Returns: whether the step changed the filesystem, and whether it was a cache hit.
    func cached(
        _ key: Digest?, _ instruction: Instruction, chain: inout LayerChain,
        _ body: (inout LayerChain) async throws -> Bool
    ) async throws -> (changed: Bool, hit: Bool) {
        guard let key else {
            let changed = try await body(&chain)
            // Nothing later may hit on top of a filesystem no key describes.
            chain.cacheKey = CacheKey("uncached").adding(UUID().uuidString).digest
            chain.created = Self.timestamp(request.sourceDateEpoch)
            return (changed, false)
        }
        if !request.noCache, let record = try await cacheRecord(for: key) {
            if let snapshot = record.snapshot {
                chain.append(
                    StepLayer(snapshot: snapshot, origin: origin(of: instruction)),
                    directory: store.snapshotDirectory(for: snapshot))
            }
            store.noteCacheRecordUsed(key)
            chain.cacheKey = key
            chain.created = record.created ?? chain.created
            cacheLog.note(record, for: key)
            return (record.snapshot != nil, true)
        }
        let changed = try await body(&chain)
        let created = Self.timestamp(request.sourceDateEpoch)
        let record = CacheRecord(snapshot: changed ? chain.stepLayers.last?.snapshot : nil, created: created)
        try store.recordCache(record, for: key)
        cacheLog.note(record, for: key)
        chain.cacheKey = key
        chain.created = created
        return (changed, false)
    }

    /// The store's record for `key`, else the first shared cache's (`--cache-from`), whose
    /// layer is fetched now: the only moment a shared cache's layer is downloaded.
    private func cacheRecord(for key: Digest) async throws -> CacheRecord? {
        if let record = store.cacheRecord(for: key) { return record }
        for cache in request.sharedCaches {
            if let record = try await cache.record(for: key, in: store) { return record }
        }
        return nil
    }
}
