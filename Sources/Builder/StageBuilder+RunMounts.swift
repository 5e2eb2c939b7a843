import Foundation
import Glibc
import OCI
import Sandbox
import StepPlan
import Store
import System

/// A RUN step's mounts while its key is made and it runs: each bind source's tree is
/// mounted (a stage's or an image's layers as a throwaway overlay, the context as is or,
/// for `rw`, under a throwaway overlay) and digested for the key; `release()` undoes it.
struct PreparedRunMounts {
    /// One entry per mount of the step, in order: what the sandbox mounts.
    var sandboxMounts: [SandboxMount] = []
    /// One entry per mount: the digest of what a bind selects (nil for a tmpfs, or when
    /// it could not be digested: then the step runs uncached).
    var digests: [Digest?] = []
    /// Whether some bind's content could not be digested.
    var undigestable = false
    fileprivate var views: [StepMount] = []
    fileprivate var leases: [CacheMountLease] = []
    fileprivate var scratchDirectories: [URL] = []

    /// Unmounts the overlays and removes their directories; lets go of the cache mounts.
    func release() {
        for lease in leases.reversed() { lease.release() }
        for directory in scratchDirectories { try? FileManager.default.removeItem(at: directory) }
        for view in views.reversed() {
            try? view.unmount()
            try? FileManager.default.removeItem(at: view.snapshot)
        }
    }
}

extension StageBuilder {
    /// Mounts and digests the bind sources of `run` (the key needs their content), and
    /// lists what the sandbox must mount.
    func prepareRunMounts(_ run: RunStep, step: String) async throws -> PreparedRunMounts {
        var prepared = PreparedRunMounts()
        do {
            for (index, mount) in run.mounts.enumerated() {
                switch mount.kind {
                case .tmpfs(let size):
                    prepared.sandboxMounts.append(SandboxMount(source: .tmpfs(size: size), target: mount.target))
                    prepared.digests.append(nil)
                case .cache(let cache):
                    let access: CacheMountAccess =
                        switch cache.sharing {
                        case .shared: .shared
                        case .locked: .exclusive
                        case .private: .exclusiveIfFree
                        }
                    let directory: URL
                    if let lease = try await store.cacheMount(
                        id: cache.id, access: access, mode: cache.mode, uid: cache.uid, gid: cache.gid)
                    {
                        prepared.leases.append(lease)
                        directory = lease.directory
                    } else {
                        // `private` while another step holds the cache: a fresh one of its own.
                        let own = workDirectory.appendingPathComponent("cache-\(step)-mount\(index)")
                        prepared.scratchDirectories.append(own)
                        try store.makeCacheDirectory(own, mode: cache.mode, uid: cache.uid, gid: cache.gid)
                        directory = own
                    }
                    prepared.sandboxMounts.append(
                        SandboxMount(source: .bind(root: directory.path, path: "/", readOnly: cache.readOnly), target: mount.target))
                    prepared.digests.append(nil)
                case .bind(let from, let source, let readWrite):
                    let name = "\(step)-mount\(index)"
                    let root: String
                    var digest: Digest?
                    switch from {
                    case .context, .namedDirectory:
                        let tree: BuildContext
                        if case .namedDirectory(let named) = from {
                            guard case .directory(let directory) = request.namedContexts[named] else {
                                preconditionFailure("the plan names only directory contexts as directories")
                            }
                            tree = try BuildContext(directory: directory.path)
                        } else {
                            tree = context
                        }
                        digest = try? tree.contentDigest(for: [source])
                        if tree.ignoreFile != nil {
                            // The step sees what COPY would see: the selected files without
                            // what `.dockerignore` excludes, copied (owned by root, as COPY
                            // makes them) into a throwaway directory, so `rw` writes vanish too.
                            let copy = workDirectory.appendingPathComponent("bind-\(name)")
                            prepared.scratchDirectories.append(copy)
                            let (root, path) = try Self.copySelection(source, of: tree, into: copy)
                            prepared.digests.append(digest)
                            prepared.undigestable = prepared.undigestable || digest == nil
                            prepared.sandboxMounts.append(
                                SandboxMount(source: .bind(root: root, path: path, readOnly: !readWrite), target: mount.target))
                            continue
                        }
                        if readWrite {
                            // Writes land in a throwaway upper dir, never in the context.
                            let view = try StepMount(
                                lowerDirectories: [URL(fileURLWithPath: tree.directory)], in: workDirectory, step: name)
                            prepared.views.append(view)
                            root = view.merged.path
                        } else {
                            root = tree.directory
                        }
                    case .stage(let stage):
                        guard let output = finishedStages[stage] else {
                            throw StepFailure("stage \(stage) was not built before it")
                        }
                        let view = try StepMount(over: output.chain, in: workDirectory, step: name)
                        prepared.views.append(view)
                        root = view.merged.path
                        digest = try? BuildContext(rootFilesystem: root).contentDigest(for: [source])
                    case .image(let reference):
                        let image = try await images.image(reference, platform: run.target.platform)
                        let view = try StepMount(over: LayerChain(image: image), in: workDirectory, step: name)
                        prepared.views.append(view)
                        root = view.merged.path
                        digest = image.descriptor.digest
                    }
                    prepared.undigestable = prepared.undigestable || digest == nil
                    prepared.digests.append(digest)
                    prepared.sandboxMounts.append(
                        SandboxMount(source: .bind(root: root, path: source, readOnly: !readWrite), target: mount.target))
                }
            }
        } catch {
            prepared.release()
            throw error
        }
        return prepared
    }

    /// Copies what `source` selects in `tree` (after `.dockerignore`) into the new directory
    /// `directory`, as `COPY` would; returns the root and the path in it to bind: the
    /// directory itself for a directory source, the file for a file source.
    static func copySelection(_ source: String, of tree: BuildContext, into directory: URL) throws -> (String, String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let root = try RootDirectory(path: tree.directory)
        let opened = root.openInRoot(source, flags: openPathOnly)
        guard opened >= 0 else { throw SystemError.last("open the mount source", path: "\(source) in \(tree.directory)") }
        let file = FileDescriptor(adopting: opened)
        var status = stat()
        guard fstat(file.rawValue, &status) == 0 else { throw SystemError.last("stat", path: "\(source) in \(tree.directory)") }
        let isDirectory = status.st_mode & S_IFMT == S_IFDIR
        try FileCopier.perform(CopyRequest(.copy, sources: [.path(source)], destination: "/"), from: tree.sourceTree, into: directory.path)
        let name = source.split(separator: "/").last.map(String.init) ?? ""
        return (directory.path, isDirectory ? "/" : "/" + name)
    }
}
