import Store

extension StageBuilder {
    /// The image `text` names (for FROM or `COPY --from`), with its snapshots: from the
    /// store, or an archive transport, or fetched (a registry) when the store lacks it or
    /// the build asked to pull (`--pull`).
    func resolveImage(_ text: String) async throws -> BaseImage {
        if let named = request.namedContexts[text] {
            guard let replacement = named.imageSource else {
                throw StageConfigurationError("the build context '\(text)' is a directory, which COPY --from can read but FROM cannot start from")
            }
            // The replacement is resolved on its own (a named context does not name another).
            return try await resolveImage(replacement)
        }
        return try await resolveImage(ImageSource(text))
    }

    private func resolveImage(_ reference: ImageSource) async throws -> BaseImage {
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
        return try ImageSource.stored(fetched).resolve(in: store)
    }
}
