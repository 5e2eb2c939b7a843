import Builder
import OCI
import OCIArchive
import Registry
import Store

/// A build session's registry access over the command's registry client: the shared
/// cache and pushes, printing a line per step and per blob unless quiet.
struct RegistryBuildTransfers: BuildRegistry {
    let client: RegistryClient
    let quiet: Bool
    /// The tty display, which shows the transfers instead of the lines.
    var live: LiveProgressDisplay? = nil

    /// Reports a blob of `transfer` to the live display, else prints it unless quiet.
    private func report(_ event: TransferProgress, transfer: LiveProgressDisplay.Transfer?) {
        if let live, let transfer {
            live.report(event, transfer: transfer)
        } else if !quiet, event.isMilestone {
            printToStandardError("    \(event.description)")
        }
    }

    func importCache(from location: ImageReference, into store: ImageStore) async throws {
        let quiet = quiet
        let transfer = live?.beginTransfer("importing cache from \(location)")
        let added = try await client.importCache(from: location, into: store) { event in
            report(event, transfer: transfer)
        }
        if let transfer { live?.endTransfer(transfer) }
        if !quiet { printToStandardError("imported \(added) cache records from \(location)") }
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
