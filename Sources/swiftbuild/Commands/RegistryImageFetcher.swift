import Builder
import OCI
import Registry
import Store

/// Fetches FROM and `COPY --from` images the store lacks from their registry, printing
/// a line per blob unless quiet.
struct RegistryImageFetcher: BaseImageFetcher {
    let client: RegistryClient
    let quiet: Bool

    func fetch(_ name: String, platform: Platform, into store: ImageStore) async throws -> String {
        let reference = try ImageReference(parsing: name)
        let quiet = quiet
        if !quiet { printToStandardError("pulling \(reference)") }
        let pulled = try await client.pull(reference, platform: platform, into: store) { event in
            if !quiet { printToStandardError("    \(event.description)") }
        }
        return pulled.descriptor.digest.description
    }
}
