import Foundation
import OCI
import StepPlan
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

    /// The `fs` directories as an overlay's lower list, topmost first, each directory
    /// once. The same snapshot can appear twice in a chain (two steps that made the same
    /// diff, such as RUN steps that each leave only an unchanged `etc/`, or an image that
    /// repeats a layer), and overlayfs refuses a lower directory it already has (ELOOP).
    ///
    /// Dropping every occurrence but the topmost keeps the merged view exact, whatever
    /// the layers between the occurrences do: overlayfs resolves a path from the top down
    /// and reaches a lower layer only through the layers above it. Any lookup or directory
    /// listing that would reach the lower copy passes the upper copy first, at the same
    /// path, where it finds the same entry: a file or whiteout there ends the lookup, an
    /// opaque directory ends the merge, and a plain directory contributes the same names,
    /// while its whiteouts hide a superset of what the lower copy's hide. So the lower
    /// copy adds nothing. Keeping the lower one instead would be wrong: a layer between
    /// them that changed the same paths would then win over the top copy.
    var overlayLowerDirectories: [URL] {
        var seen: Set<String> = []
        // Resolved: a layer named by its diff ID may be a link to its snapshot's random name.
        return directories.reversed().filter { seen.insert($0.resolvingSymlinksInPath().path).inserted }
    }

    /// Adds a step's layer, committed in the store in `directory` (`snapshots/<name hex>`).
    mutating func append(_ layer: StepLayer, directory: URL) {
        stepLayers.append(layer)
        directories.append(directory.appendingPathComponent("fs"))
    }
}

/// A layer a build step made (or found in the cache), committed in `snapshots/<name hex>`.
struct StepLayer: Sendable {
    /// The name of the layer's snapshot: its diff ID when it was packed as its step
    /// committed it, else a random name (its diff ID is computed only if it is exported:
    /// `ImageStore.ensurePackedLayer(forSnapshot:packer:)`).
    var snapshot: Digest
    /// The instruction that made it in this build.
    var origin: LayerOrigin
}
