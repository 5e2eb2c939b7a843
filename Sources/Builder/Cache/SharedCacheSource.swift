import OCI
import Store

/// A shared build cache a build reads from (`--cache-from`), supplied by the caller over
/// its registry client: its records were listed before the build, and a record's layer is
/// fetched only when a step's key matches it. The builder asks it for a key the store has
/// no record of.
public protocol SharedCacheSource: Sendable {
    /// The record for `key`, made usable in `store` first (its layer downloaded and
    /// unpacked into its snapshot, the record written), or nil when this cache has none.
    func record(for key: Digest, in store: ImageStore) async throws -> CacheRecord?
}
