import OCI
import StepPlan
import Store

/// Resolves the images one build names (FROM, `COPY --from`), each once per build: every
/// stage and step that names the same reference for the same platform gets the same
/// image, by manifest digest, so a step's key and the tree it copies from are the same
/// content even when `--pull` is given or a tag moves while the build runs.
actor ImageResolver {
    private let store: ImageStore
    private let fetcher: (any BaseImageFetcher)?
    private let alwaysPull: Bool
    private let namedContexts: [String: NamedContext]
    /// Resolutions started so far (finished or not), by reference text and platform.
    private var resolutions: [Request: Task<BaseImage, any Error>] = [:]

    private struct Request: Hashable {
        var reference: String
        var platform: Platform
    }

    init(store: ImageStore, fetcher: (any BaseImageFetcher)?, alwaysPull: Bool, namedContexts: [String: NamedContext]) {
        self.store = store
        self.fetcher = fetcher
        self.alwaysPull = alwaysPull
        self.namedContexts = namedContexts
    }

    /// The image `text` names for `platform`, with its snapshots: resolved the first time
    /// it is asked for, then the same image (or the same error) for the rest of the build.
    func image(_ text: String, platform: Platform) async throws -> BaseImage {
        let request = Request(reference: text, platform: platform)
        let task: Task<BaseImage, any Error>
        if let started = resolutions[request] {
            task = started
        } else {
            let (store, fetcher, alwaysPull, namedContexts) = (store, fetcher, alwaysPull, namedContexts)
            task = Task {
                try await Self.resolve(
                    text, platform: platform, store: store, fetcher: fetcher, alwaysPull: alwaysPull,
                    namedContexts: namedContexts)
            }
            resolutions[request] = task
        }
        // A cancelled build stops the fetch its stages wait for.
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// The image `text` names: a named context's image instead of one of that name, then
    /// from the store, an archive transport, or fetched (a registry) when the store lacks
    /// it or the build asked to pull (`--pull`).
    private static func resolve(
        _ text: String, platform: Platform, store: ImageStore, fetcher: (any BaseImageFetcher)?,
        alwaysPull: Bool, namedContexts: [String: NamedContext]
    ) async throws -> BaseImage {
        var reference = ImageSource(text)
        if let named = namedContexts[text] {
            guard let replacement = named.imageSource else {
                throw StageConfigurationError(
                    "the build context '\(text)' is a directory, which COPY --from can read but FROM cannot start from")
            }
            // The replacement is resolved on its own (a named context does not name another).
            reference = replacement
        }
        guard case .stored(let name) = reference, let fetcher else {
            return try reference.resolve(in: store, platform: platform)
        }
        var storeHasIt = true
        var absence = "is not in the store"
        if !alwaysPull {
            do {
                let stored = try reference.resolve(in: store, platform: platform)
                // A single image for another platform (a pull for one platform of a
                // multi-platform build names that platform's manifest) is not this
                // platform's: the registry's index has the one to use.
                if Self.serves(stored.config, platform: platform) { return stored }
            } catch StoreError.imageNotFound {
                storeHasIt = false
            } catch let missing as MissingPlatformError where missing.listedButAbsent {
                // An index loaded for other platforms: the registry has this one.
                storeHasIt = false
                absence = "has no \(platform) image in the store"
            }
        }
        let fetched: String
        do {
            fetched = try await fetcher.fetch(name, platform: platform, into: store)
        } catch {
            throw StepFailure(
                storeHasIt ? "pulling '\(name)' for \(platform) failed" : "image '\(name)' \(absence), and pulling it failed",
                cause: error)
        }
        return try ImageSource.stored(fetched).resolve(in: store, platform: platform)
    }

    /// Whether an image whose config is `config` runs on `platform`: same OS and
    /// architecture (normalised, so `aarch64` is `arm64`), and the same variant when both
    /// name one. A config that names no architecture serves any platform.
    static func serves(_ config: ImageConfiguration, platform: Platform) -> Bool {
        guard !config.architecture.isEmpty else { return true }
        let offered = config.platform.normalized, wanted = platform.normalized
        guard offered.os == wanted.os, offered.architecture == wanted.architecture else { return false }
        guard let offeredVariant = offered.variant, let wantedVariant = wanted.variant else { return true }
        return offeredVariant == wantedVariant
    }
}
