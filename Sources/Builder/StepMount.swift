import FileNames
import Foundation
import Glibc
import Sandbox
import System

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

    /// Moves the step's layer out from under the overlay, which stays mounted, so that its
    /// unmount can be left to ``BackgroundUnmounts``: unmounting frees every dentry the step
    /// made, tens of milliseconds for a 10k-file `apt-get install`, and nothing needs the
    /// overlay once the step's process has ended.
    ///
    /// The layer is not the upper directory itself: overlayfs marks that directory in use
    /// until the unmount ends, and a mount with it as a lower directory (the next step's)
    /// meanwhile would be refused, or warned about. So a new `fs` directory gets the upper
    /// directory's owner, mode, times and extended attributes, and each entry of the upper
    /// directory is renamed into it (a handful of top-level names). Nothing reads through the
    /// overlay afterwards; its unmount writes nothing to the upper directory (`volatile`).
    ///
    /// - Returns: the directory holding the layer as `fs/` (ready to commit), or nil when the
    ///   step changed nothing.
    func detachLayer() throws -> URL? {
        let upperPath = snapshot.appendingPathComponent("fs").path
        let upper = try FileDescriptor(
            opening: FileName.open(upperPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open", path: upperPath)
        let names = try DirectoryListing.entryNames(upper.rawValue).map { FileName.decode($0) }
        guard !names.isEmpty else { return nil }
        var status = stat()
        guard fstat(upper.rawValue, &status) == 0 else { throw SystemError.last("stat", path: upperPath) }
        let layer = snapshot.deletingLastPathComponent().appendingPathComponent(snapshot.lastPathComponent + "-layer")
        let fsPath = layer.appendingPathComponent("fs").path
        for path in [layer.path, fsPath] where mkdir(path, 0o755) != 0 {
            throw SystemError.last("create", path: path)
        }
        let fs = try FileDescriptor(opening: FileName.open(fsPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open", path: fsPath)
        guard fchown(fs.rawValue, status.st_uid, status.st_gid) == 0 else { throw SystemError.last("chown", path: fsPath) }
        guard fchmod(fs.rawValue, status.st_mode & 0o7777) == 0 else { throw SystemError.last("chmod", path: fsPath) }
        // Best effort: a layer's root reaches no image (its tar has no entry for `/`, and every
        // mount over a snapshot has an upper directory of its own, which gives the merged
        // root its attributes); an attribute the kernel will not copy (a `security.` label)
        // is no reason to fail the step.
        let copied = ExtendedAttributes(descriptor: fs.rawValue, isPathOnly: false)
        for (name, value) in (try? ExtendedAttributes(descriptor: upper.rawValue, isPathOnly: false).all()) ?? [:] {
            try? copied.set(name, to: value)
        }
        for name in names where FileName.renameat(upper.rawValue, name, fs.rawValue, name) != 0 {
            throw SystemError.last("rename", path: upperPath + "/" + FileName.display(name))
        }
        // Last: the renames changed the directory's times.
        let times = [status.st_atim, status.st_mtim]
        guard futimens(fs.rawValue, times) == 0 else { throw SystemError.last("set the times of", path: fsPath) }
        return layer
    }

    /// Unmounts the overlay and removes all its directories, the snapshot too: for a step
    /// whose layer ``detachLayer()`` moved out, or a view nothing wrote to.
    func unmountAndRemove() throws {
        try unmount()
        try? FileManager.default.removeItem(at: snapshot)
    }
}
