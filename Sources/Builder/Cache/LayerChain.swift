import Foundation
import OCI
import Store

/// The filesystem of a stage as a stack of snapshot directories, bottom first: the base
/// image's stored layers, then the layers this build's steps made or found in the cache.
struct LayerChain: Sendable {
    /// Descriptors of the base image's layers, which are in the store already.
    var storedLayers: [Descriptor] = []
    /// Diff IDs of the stored layers, in order.
    var storedDiffIDs: [Digest] = []
    /// Every layer's `fs` directory, bottom first (stored ones, then step ones).
    var directories: [URL] = []
    /// The layers the stage's steps (and those of the stages it is built `FROM`) made, bottom first.
    var stepLayers: [StepLayer] = []
    /// The cache key of the filesystem this chain holds: the base's, then each step's.
    var cacheKey: Digest
    /// When the newest layer was made (RFC 3339), for the history and `created` of an image
    /// built on it; nil for an empty scratch chain.
    var created: String?

    /// An empty chain: `FROM scratch` for `platform`.
    init(scratchFor platform: Platform) {
        cacheKey = CacheKey("scratch").adding(platform.description).digest
    }

    /// The chain of a stored image's layers.
    init(image: BaseImage) {
        storedLayers = image.manifest.layers
        storedDiffIDs = image.config.rootfs.diffIDs
        directories = image.snapshotDirectories
        cacheKey = CacheKey("image").adding(image.descriptor.digest.description).digest
        created = image.config.created
    }

    /// Adds a step's layer, committed in the store as `snapshot`.
    mutating func append(_ layer: StepLayer, snapshot: URL) {
        stepLayers.append(layer)
        directories.append(snapshot.appendingPathComponent("fs"))
    }
}

/// A layer a build step made (or found in the cache), committed in `snapshots/<diff ID>`.
struct StepLayer: Sendable {
    /// The layer's diff ID; its snapshot is `snapshots/<diff ID hex>`.
    var diffID: Digest
    /// The instruction that made it in this build.
    var origin: LayerOrigin
}
