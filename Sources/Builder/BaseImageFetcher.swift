import OCI
import Store

/// Where a build gets images the store lacks for `FROM` and `COPY --from` (a registry);
/// the command line supplies one, so the builder itself never touches the network.
public protocol BaseImageFetcher: Sendable {
    /// Puts the image `name` names, for `platform`, into `store`.
    ///
    /// - Returns: a name or ID the store now resolves to that image.
    func fetch(_ name: String, platform: Platform, into store: ImageStore) async throws -> String
}
