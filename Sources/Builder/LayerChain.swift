import Foundation
import OCI

/// The filesystem of a stage as a stack of snapshot directories, bottom first: the
/// base image's stored layers, then the layers this build made (not yet packed).
struct LayerChain: Sendable {
    /// Descriptors of the base image's layers, which are in the store already.
    var storedLayers: [Descriptor] = []
    /// Diff IDs of the stored layers, in order.
    var storedDiffIDs: [Digest] = []
    /// Every layer's `fs` directory, bottom first (stored ones, then built ones).
    var directories: [URL] = []
    /// The snapshot directories (each holding `fs/`) this build made, bottom first.
    var builtSnapshots: [URL] = []
    /// The instruction that made each of ``builtSnapshots``.
    var builtOrigins: [LayerOrigin] = []

    /// Adds a layer this build made with the instruction at `origin`.
    mutating func append(builtSnapshot: URL, origin: LayerOrigin) {
        builtSnapshots.append(builtSnapshot)
        builtOrigins.append(origin)
        directories.append(builtSnapshot.appendingPathComponent("fs"))
    }
}
