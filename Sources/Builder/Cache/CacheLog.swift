import OCI
import Store
import Synchronization

/// The cache records one build's steps used or made, gathered from its concurrent stages.
final class CacheLog: Sendable {
    private let records = Mutex<[Digest: CacheRecord]>([:])

    /// Notes the record a step used or made under `key`.
    func note(_ record: CacheRecord, for key: Digest) {
        records.withLock { $0[key] = record }
    }

    /// Every record noted so far.
    var all: [Digest: CacheRecord] { records.withLock { $0 } }
}
