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
    /// `NAME=VALUE` entries the step's environment gets from `env=` secrets; never in the
    /// key, the config or the history.
    var secretEnvironment: [String] = []
    fileprivate var secretFiles: [SecretFile] = []
    /// The steps' agent sockets (`type=ssh`), stopped after the step.
    var sshForwarders: [SSHAgentForwarder] = []
    fileprivate var views: [StepMount] = []
    fileprivate var leases: [CacheMountLease] = []
    fileprivate var scratchDirectories: [URL] = []

    /// Unmounts the overlays and removes their directories; lets go of the cache mounts.
    func release() {
        for file in secretFiles { file.release() }
        for forwarder in sshForwarders { forwarder.stop() }
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
                case .secret(let secret):
                    prepared.digests.append(nil)
                    guard let contents = try secretValue(secret.id) else {
                        if secret.required {
                            throw StepFailure(
                                "the required secret '\(secret.id)' was not given (pass --secret id=\(secret.id),src=PATH or id=\(secret.id),env=VAR)"
                            )
                        }
                        // An optional secret that is missing: no file, no variable (as BuildKit).
                        continue
                    }
                    if let variable = secret.environmentVariable {
                        // Checked here so that no later message quotes the value.
                        guard !contents.contains(0) else {
                            throw StepFailure("the secret '\(secret.id)' holds a NUL byte: it cannot be the variable \(variable)")
                        }
                        prepared.secretEnvironment.append(variable + "=" + String(decoding: contents, as: UTF8.self))
                    }
                    if secret.asFile {
                        let file = try SecretFile(
                            directory: workDirectory.appendingPathComponent("secret-\(step)-mount\(index)").path,
                            contents: contents, mode: secret.mode, uid: secret.uid, gid: secret.gid)
                        prepared.secretFiles.append(file)
                        prepared.sandboxMounts.append(
                            SandboxMount(source: .bind(root: file.directory, path: "/" + file.name, readOnly: true), target: mount.target))
                    }
                case .ssh(let ssh):
                    prepared.digests.append(nil)
                    if let (forwarder, sandboxMount) = try sshAgentMount(ssh, target: mount.target, step: step, index: index) {
                        prepared.sshForwarders.append(forwarder)
                        prepared.sandboxMounts.append(sandboxMount)
                    }
                case .cache(let cache):
                    let access: CacheMountAccess =
                        switch cache.sharing {
                        case .shared: .shared
                        case .locked: .exclusive
                        case .private: .exclusiveIfFree
                        }
                    var seed: Digest?
                    let create: (URL) throws -> Void
                    if let from = cache.from {
                        let (tree, digest) = try await cacheSeed(
                            from, source: cache.source, name: "\(step)-mount\(index)", platform: run.target.platform,
                            prepared: &prepared)
                        seed = digest
                        create = { try Self.copySeed(cache.source, of: tree, into: $0) }
                    } else {
                        create = ImageStore.emptyCacheDirectory(mode: cache.mode, uid: cache.uid, gid: cache.gid)
                    }
                    let directory: URL
                    let stage = label
                    if let lease = try await store.cacheMount(
                        identity: cache.identity(seed: seed), access: access,
                        waiting: {
                            events(
                                .output(
                                    stage: stage,
                                    line:
                                        "waiting for the cache mount '\(cache.id)' (sharing=\(cache.sharing.rawValue)), held by another step"
                                ))
                        },
                        create: create)
                    {
                        prepared.leases.append(lease)
                        directory = lease.directory
                    } else {
                        // `private` while another step holds the cache: a fresh one of its own
                        // (seeded, when the cache is), as BuildKit makes a new one.
                        let own = workDirectory.appendingPathComponent("cache-\(step)-mount\(index)")
                        prepared.scratchDirectories.append(own)
                        try store.makeCacheDirectory(own, create: create)
                        directory = own
                    }
                    // With `from`, the cache is a copy of `source`; without, `source` is a
                    // directory of the cache (resolved inside it: a step's symlink in the
                    // cache cannot lead out).
                    let path = cache.from == nil ? cache.source : "/"
                    if path != "/" {
                        let root = try RootDirectory(path: directory.path)
                        let opened = root.openInRoot(path, flags: openPathOnly | O_DIRECTORY)
                        guard opened >= 0 else {
                            let cause = SystemError.last("open", path: path)
                            throw StepFailure(
                                "the cache mount '\(cache.id)' has no directory \(path) (without from=, source= names a directory in the cache)",
                                cause: cause)
                        }
                        _ = FileDescriptor(adopting: opened)
                    }
                    prepared.sandboxMounts.append(
                        SandboxMount(source: .bind(root: directory.path, path: path, readOnly: cache.readOnly), target: mount.target))
                    prepared.digests.append(seed)
                case .bind(let from, let source, let readWrite):
                    let name = "\(step)-mount\(index)"
                    let root: String
                    var digest: Digest?
                    switch from {
                    case .context, .namedDirectory:
                        let tree: BuildContext
                        if case .namedDirectory(let named) = from {
                            tree = try namedDirectoryContext(named)
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

    /// The tree a cache mount is seeded from and the digest of what `source` selects in it
    /// (the files by content for a stage or a named directory context, the manifest digest
    /// for an image), for the step's key and the cache's identity. A stage's or image's
    /// layers are mounted as a throwaway overlay, released with `prepared`.
    func cacheSeed(
        _ from: CopyFrom, source: String, name: String, platform: OCI.Platform, prepared: inout PreparedRunMounts
    ) async throws -> (SourceTree, Digest) {
        let tree: SourceTree
        let origin: String
        let digest: () throws -> Digest
        switch from {
        case .context:
            preconditionFailure("a cache mount without from= is not seeded")
        case .namedDirectory(let named):
            let context = try namedDirectoryContext(named)
            origin = "the context '\(named)'"
            tree = context.sourceTree
            digest = { try context.contentDigest(for: [source]) }
        case .stage(let stage):
            guard let output = finishedStages[stage] else { throw StepFailure("stage \(stage) was not built before it") }
            let view = try StepMount(over: output.chain, in: workDirectory, step: name)
            prepared.views.append(view)
            origin = "stage \(request.plan.stages[stage].name ?? String(stage))"
            tree = .rootFilesystem(at: view.merged.path)
            digest = { try BuildContext(rootFilesystem: view.merged.path).contentDigest(for: [source]) }
        case .image(let reference):
            let image = try await images.image(reference, platform: platform)
            let view = try StepMount(over: LayerChain(image: image), in: workDirectory, step: name)
            prepared.views.append(view)
            origin = "the image \(reference)"
            tree = .rootFilesystem(at: view.merged.path)
            digest = { image.descriptor.digest }
        }
        // Only a directory seeds a cache (the cache is a directory); resolved inside the
        // tree, so a symlink there cannot lead out of it.
        let root = try RootDirectory(path: tree.directory)
        let opened = root.openInRoot(source, flags: openPathOnly)
        guard opened >= 0 else {
            throw StepFailure("cannot open the cache seed \(source) in \(origin)", cause: SystemError.last("open", path: source))
        }
        let file = FileDescriptor(adopting: opened)
        var status = stat()
        guard fstat(file.rawValue, &status) == 0 else { throw SystemError.last("stat", path: source) }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw StepFailure("the cache seed \(source) in \(origin) is not a directory")
        }
        do {
            return (tree, try digest())
        } catch {
            throw StepFailure("cannot read the cache seed \(source) in \(origin)", cause: error)
        }
    }

    /// Fills the new cache `directory` with a copy of the directory `source` of `tree`, as
    /// `COPY --from` copies (owners kept from a stage or image, 0:0 from a context; modes,
    /// times, symlinks as symlinks), and gives it the source directory's own owner and
    /// mode.
    static func copySeed(_ source: String, of tree: SourceTree, into directory: URL) throws {
        try FileCopier.perform(CopyRequest(.copy, sources: [.path(source)], destination: "/"), from: tree, into: directory.path)
        let root = try RootDirectory(path: tree.directory)
        let opened = root.openInRoot(source, flags: openPathOnly)
        guard opened >= 0 else { throw SystemError.last("open the cache seed", path: source) }
        let file = FileDescriptor(adopting: opened)
        var status = stat()
        guard fstat(file.rawValue, &status) == 0 else { throw SystemError.last("stat the cache seed", path: source) }
        let owner = tree.preservesOwnership ? (status.st_uid, status.st_gid) : (0, 0)
        guard chown(directory.path, owner.0, owner.1) == 0, chmod(directory.path, status.st_mode & 0o7777) == 0 else {
            throw SystemError.last("set the owner and mode of the cache", path: directory.path)
        }
    }

    /// The bytes of the build's secret `id`, or nil when the build was not given it. An
    /// error names the secret's source (a path or a variable), never its value.
    func secretValue(_ id: String) throws -> [UInt8]? {
        switch request.secrets[id] {
        case nil:
            return nil
        case .environment(let variable):
            return ProcessInfo.processInfo.environment[variable].map { Array($0.utf8) }
        case .file(let path):
            do {
                return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw StepFailure("cannot read the secret '\(id)' from \(path)", cause: error)
            }
        }
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
