import Dockerfile
import Foundation
import OCI
import StepPlan

extension StageBuilder {
    /// The named build context `name` (`--build-context NAME=DIR`), read like the main
    /// context with its own `.dockerignore`; the plan classifies only directory contexts so.
    func namedDirectoryContext(_ name: String) throws -> BuildContext {
        guard let context = namedDirectories[name] else {
            preconditionFailure("the plan names only directory contexts as directories")
        }
        return try context.get()
    }

    /// Runs a COPY or ADD through the cache. What it reads is resolved once for both its
    /// key and its copy: an image to one manifest digest (mounted only when the step
    /// runs), a stage's output mounted once, digested for the key and copied from.
    ///
    /// The key is a digest of what the step reads: the selected files by content (from
    /// the context, the `--from` stage or directory, so a rebuilt stage that made the same
    /// files still hits) or the `--from` image's manifest digest. When the files cannot be
    /// digested, the step runs uncached and reports the problem itself.
    func cachedCopy(
        _ copy: CopyStep, instruction: Instruction, step: String,
        chain: inout LayerChain
    ) async throws -> (changed: Bool, hit: Bool) {
        switch copy.from {
        case .context where copy.isAdd && (copy.checksum != nil || copy.hasRemoteSourceWords):
            return try await cachedRemoteAdd(copy, instruction: instruction, step: step, chain: &chain)
        case .context:
            let digest = try? context.contentDigest(for: copy.patterns, excludes: copy.excludes)
            return try await cachedCopy(
                copy, digest: digest, from: context.sourceTree, instruction: instruction, step: step,
                chain: &chain)
        case .namedDirectory(let name):
            let named = try namedDirectoryContext(name)
            let digest = try? named.contentDigest(for: copy.patterns, excludes: copy.excludes)
            return try await cachedCopy(
                copy, digest: digest, from: named.sourceTree, instruction: instruction, step: step,
                chain: &chain)
        case .stage(let index):
            guard let output = finishedStages[index] else {
                throw StepFailure("stage \(index) was not built before it")
            }
            return try await withMountedTree(of: output.chain, step: "\(step)-from") { tree in
                let digest = PhaseTrace.measure(step, "digest-from") {
                    try? BuildContext(rootFilesystem: tree.directory).contentDigest(for: copy.patterns, excludes: copy.excludes)
                }
                return try await cachedCopy(copy, digest: digest, from: tree, instruction: instruction, step: step, chain: &chain)
            }
        case .image(let reference):
            let image = try await images.image(reference, platform: copy.target.platform)
            let key = copy.cacheKey(over: chain.cacheKey, sourceDigest: copy.from.digestField(image.descriptor.digest))
            return try await cached(key, instruction, chain: &chain) { chain in
                try await withMountedTree(of: LayerChain(image: image), step: "\(step)-from") { tree in
                    try await executeCopy(copy, from: tree, instruction: instruction, step: step, chain: &chain)
                }
            }
        }
    }

    /// Runs a copy from `tree` through the cache, keyed with `digest` of what it reads
    /// (nil: run uncached).
    private func cachedCopy(
        _ copy: CopyStep, digest: Digest?, from tree: SourceTree, instruction: Instruction, step: String,
        chain: inout LayerChain
    ) async throws -> (changed: Bool, hit: Bool) {
        let key = digest.map { copy.cacheKey(over: chain.cacheKey, sourceDigest: copy.from.digestField($0)) }
        return try await cached(key, instruction, chain: &chain) { chain in
            try await executeCopy(copy, from: tree, instruction: instruction, step: step, chain: &chain)
        }
    }

    /// Runs a COPY or ADD from `tree` into a new snapshot; `sources` (the step's own when
    /// nil) may name what an ADD fetched into the directory `fetched`.
    ///
    /// - Returns: whether the step changed the filesystem.
    func executeCopy(
        _ copy: CopyStep, from tree: SourceTree, sources explicitSources: [CopySource]? = nil, fetched: String? = nil,
        instruction: Instruction, step: String, chain: inout LayerChain
    ) async throws -> Bool {
        let modeChange = try copy.chmod.map { try FileModeChange(parsing: $0) }
        let sources =
            explicitSources
            ?? copy.sources.map { source -> CopySource in
                switch source {
                case .path(let pattern): .path(pattern)
                case .inline(let name, let content): .inline(name: name, content: content)
                }
            }
        return try await inStepMount(for: instruction, target: copy.target, step: step, chain: &chain) { root in
            let owner = try copy.chown.map { try UserDatabase(root: root.path).owner(for: $0) }
            let request = CopyRequest(
                copy.isAdd ? .add : .copy, sources: sources, destination: copy.destination,
                workingDirectory: copy.workingDirectory, owner: owner, modeChange: modeChange,
                excludes: copy.excludes, parents: copy.parents, link: copy.link)
            try FileCopier.perform(request, from: tree, fetched: fetched, into: root.path)
        }
    }

    /// Calls `body` with the root filesystem of `chain` (a stage's output or an image)
    /// mounted read-only for the call, as `COPY --from` reads it.
    private func withMountedTree<T>(of chain: LayerChain, step: String, _ body: (SourceTree) async throws -> T) async throws -> T {
        let view = try PhaseTrace.measure(step, "mount") { try StepMount(over: chain, in: workDirectory, step: step) }
        // Unmounted while the build goes on (the build waits for it before it ends).
        defer { unmounts.unmount(view, step: step) }
        return try await body(SourceTree.rootFilesystem(at: view.merged.path))
    }
}
