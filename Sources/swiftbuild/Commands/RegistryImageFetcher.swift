import Builder
import OCI
import Registry
import Store

/// Fetches FROM and `COPY --from` images the store lacks from their registry, printing
/// a line per blob unless quiet.
struct RegistryImageFetcher: BaseImageFetcher {
    let client: RegistryClient
    let quiet: Bool
    /// The tty display, which shows the pull instead of the lines.
    var live: LiveProgressDisplay? = nil

    func fetch(_ name: String, platform: Platform, into store: ImageStore) async throws -> String {
        let reference = try ImageReference(parsing: name)
        let (quiet, live) = (quiet, live)
        if !quiet, live == nil { printToStandardError("pulling \(reference)") }
        let transfer = live?.beginTransfer("pulling \(reference)")
        let pulled = try await client.pull(reference, platform: platform, into: store) { event in
            if let live, let transfer {
                live.report(event, transfer: transfer)
            } else if !quiet, event.isMilestone {
                printToStandardError("    \(event.description)")
            }
        }
        if let transfer { live?.endTransfer(transfer) }
        return pulled.descriptor.digest.description
    }
}
