import Builder
import OCI
import OCIArchive
import Registry
import Store
import Synchronization

/// A build session's registry access over the command's registry client: the shared
/// cache and pushes, printing a line per step and per blob unless quiet.
struct RegistryBuildTransfers: BuildRegistry {
    let client: RegistryClient
    let quiet: Bool
    /// The tty display, which shows the transfers instead of the lines.
    var live: LiveProgressDisplay? = nil

    /// Reports a blob of `transfer` to the live display, else prints it unless quiet.
    fileprivate func report(_ event: TransferProgress, transfer: LiveProgressDisplay.Transfer?) {
        if let live, let transfer {
            live.report(event, transfer: transfer)
        } else if !quiet, event.isMilestone {
            printToStandardError("    \(event.description)")
        }
    }

    func importCache(from location: ImageReference, into store: ImageStore) async throws -> any SharedCacheSource {
        let cache = try await client.openCache(from: location, for: store)
        if !quiet {
            printToStandardError("found \(cache.recordCount) cache records in \(location) (a layer is fetched when its step hits)")
        }
        return RegistryCacheSource(cache: cache, transfers: self)
    }

    /// An imported shared cache as the builder asks it, reporting each layer it fetches.
    struct RegistryCacheSource: SharedCacheSource {
        let cache: ImportedSharedCache
        let transfers: RegistryBuildTransfers

        func record(for key: Digest, in store: ImageStore) async throws -> CacheRecord? {
            let transfers = transfers
            guard let live = transfers.live else {
                return try await cache.record(for: key) { event in transfers.report(event, transfer: nil) }
            }
            // A transfer line only for a step whose layer is downloaded, not for every lookup.
            let transfer = Mutex<LiveProgressDisplay.Transfer?>(nil)
            defer { if let begun = transfer.withLock({ $0 }) { live.endTransfer(begun) } }
            let title = "importing cache from \(cache.reference)"
            return try await cache.record(for: key) { event in
                let begun = transfer.withLock { current in
                    if current == nil { current = live.beginTransfer(title) }
                    return current
                }
                transfers.report(event, transfer: begun)
            }
        }
    }

    func exportCache(
        _ records: [Digest: CacheRecord], from store: ImageStore, to location: ImageReference,
        packer: LayerPacker
    ) async throws {
        if !quiet, live == nil { printToStandardError("exporting cache to \(location)") }
        let transfer = live?.beginTransfer("exporting cache to \(location)")
        try await client.exportCache(records, from: store, to: location, packer: packer) { event in
            report(event, transfer: transfer)
        }
        if let transfer { live?.endTransfer(transfer) }
    }

    func push(_ tag: String, from store: ImageStore) async throws {
        let reference = try ImageReference(parsing: tag)
        if !quiet, live == nil { printToStandardError("pushing \(reference)") }
        let transfer = live?.beginTransfer("pushing \(reference)")
        if let index = try store.inspectIndex(tag) {
            try await client.push(index, from: store, to: reference) { event in
                report(event, transfer: transfer)
            }
        } else {
            try await client.push(store.inspect(tag), from: store, to: reference) { event in
                report(event, transfer: transfer)
            }
        }
        if let transfer { live?.endTransfer(transfer) }
    }

    func fullName(of tag: String) throws -> String {
        try ImageReference(parsing: tag).description
    }
}
