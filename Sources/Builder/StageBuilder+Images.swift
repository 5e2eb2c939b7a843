import Store

extension StageBuilder {
    /// The image `text` names (for FROM or `COPY --from`), with its snapshots: from the
    /// store, or an archive transport, or fetched (a registry) when the store lacks it or
    /// the build asked to pull (`--pull`).
    func resolveImage(_ text: String) async throws -> BaseImage {
        let reference = ImageReference(text)
        guard case .stored(let name) = reference, let fetcher = request.baseImageFetcher else {
            return try reference.resolve(in: store)
        }
        var storeHasIt = true
        if !request.alwaysPull {
            do {
                return try reference.resolve(in: store)
            } catch StoreError.imageNotFound {
                storeHasIt = false
            }
        }
        let fetched: String
        do {
            fetched = try await fetcher.fetch(name, platform: request.platform, into: store)
        } catch {
            throw StageConfigurationError(storeHasIt ? "pulling '\(name)' failed: \(error)"
                                                     : "image '\(name)' is not in the store, and pulling it failed: \(error)")
        }
        return try ImageReference.stored(fetched).resolve(in: store)
    }
}
