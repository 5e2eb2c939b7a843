import Foundation
import Sandbox

/// One step's new snapshot, mounted as an overlay over a stage's layers: whatever the
/// step changes in ``merged`` lands in the snapshot's `fs` (the overlay's upper dir),
/// which is then exactly the layer's diff.
struct StepMount {
    /// The new snapshot directory; its `fs/` is the upper dir.
    let snapshot: URL
    /// The merged view the step works in.
    let merged: URL
    private let overlayWork: URL

    /// Mounts a new snapshot over `chain`, in directories named after `step` under `workDirectory`.
    init(over chain: LayerChain, in workDirectory: URL, step: String) throws {
        try self.init(lowerDirectories: chain.overlayLowerDirectories, in: workDirectory, step: step)
    }

    /// Mounts a new snapshot over `lowers` (top first; none: an empty directory).
    init(lowerDirectories lowers: [URL], in workDirectory: URL, step: String) throws {
        snapshot = workDirectory.appendingPathComponent("snapshot-\(step)")
        merged = workDirectory.appendingPathComponent("merged-\(step)")
        overlayWork = workDirectory.appendingPathComponent("overlay-work-\(step)")
        let upper = snapshot.appendingPathComponent("fs")
        for directory in [upper, merged, overlayWork] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        var lowers = lowers
        if lowers.isEmpty {
            // FROM scratch: overlay needs a lower directory, so it gets an empty one.
            let empty = workDirectory.appendingPathComponent("empty")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
            lowers = [empty]
        }
        try OverlayMount.mount(
            lowerDirectories: lowers.map(\.path), upperDirectory: upper.path,
            workDirectory: overlayWork.path, target: merged.path)
    }

    /// Unmounts the overlay and removes the mount point and overlay work directory.
    func unmount() throws {
        try OverlayMount.unmount(merged.path)
        try? FileManager.default.removeItem(at: merged)
        try? FileManager.default.removeItem(at: overlayWork)
    }

    /// True when the step changed nothing.
    var isEmpty: Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: snapshot.appendingPathComponent("fs").path)) ?? []).isEmpty
    }
}
