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

    func importCache(from location: ImageReference, into store: ImageStore) async throws {
        let quiet = quiet
        let added = try await client.importCache(from: location, into: store) { event in
            if !quiet { printToStandardError("    \(event.description)") }
        }
        if !quiet { printToStandardError("imported \(added) cache records from \(location)") }
    }

    func exportCache(
        _ records: [Digest: CacheRecord], from store: ImageStore, to location: ImageReference,
        packer: LayerPacker
    ) async throws {
        let quiet = quiet
        if !quiet { printToStandardError("exporting cache to \(location)") }
        try await client.exportCache(records, from: store, to: location, packer: packer) { event in
            if !quiet { printToStandardError("    \(event.description)") }
        }
    }

    func push(_ tag: String, from store: ImageStore) async throws {
        let reference = try ImageReference(parsing: tag)
        let quiet = quiet
        if !quiet { printToStandardError("pushing \(reference)") }
        try await client.push(store.inspect(tag), from: store, to: reference) { event in
            if !quiet { printToStandardError("    \(event.description)") }
        }
    }

    func fullName(of tag: String) throws -> String {
        try ImageReference(parsing: tag).description
    }
}
