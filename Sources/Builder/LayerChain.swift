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

    /// Adds a layer this build made.
    mutating func append(builtSnapshot: URL) {
        builtSnapshots.append(builtSnapshot)
        directories.append(builtSnapshot.appendingPathComponent("fs"))
    }
}
