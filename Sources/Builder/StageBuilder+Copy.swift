import Dockerfile
import Foundation
import OCI
import Planner

extension StageBuilder {
    /// Expands a COPY or ADD instruction's words with the stage's ARGs and ENV.
    func prepareCopy(_ transfer: FileTransfer, instruction: Instruction, state: StageState) throws -> PreparedCopy {
        PreparedCopy(
            keyword: instruction.keyword == .add ? .add : .copy,
            sources: try transfer.sources.map { try copySource($0, heredocs: instruction.heredocs, state: state) },
            destination: try state.expand(transfer.destination),
            workingDirectory: state.workingDirectory,
            chown: try transfer.chown.map { try state.expand($0) },
            chmod: try transfer.chmod.map { try state.expand($0) },
            excludes: try transfer.excludes.map { try state.expand($0) },
            from: try transfer.from.map { try state.expand($0) },
            parents: transfer.parents,
            link: transfer.link)
    }

    /// Runs a COPY or ADD into a new snapshot.
    ///
    /// - Returns: whether the step changed the filesystem.
    func executeCopy(_ copy: PreparedCopy, instruction: Instruction, step: String, chain: inout LayerChain) async throws -> Bool {
        let modeChange = try copy.chmod.map { try FileModeChange(parsing: $0) }
        return try await withSourceTree(from: copy.from, step: step) { tree in
            try await inStepMount(for: instruction, step: step, chain: &chain) { root in
                let owner = try copy.chown.map { try UserDatabase(root: root.path).owner(for: $0) }
                let request = CopyRequest(copy.keyword, sources: copy.sources, destination: copy.destination,
                                          workingDirectory: copy.workingDirectory, owner: owner, modeChange: modeChange,
                                          excludes: copy.excludes, parents: copy.parents, link: copy.link)
                try FileCopier.perform(request, from: tree, into: root.path)
            }
        }
    }

    /// The key of a COPY or ADD over `chain`: its expanded words and a digest of what it
    /// reads (the selected files by content, from the context or from the `--from` stage,
    /// so a rebuilt stage that made the same files still hits; or the `--from` image's
    /// manifest digest). Nil when the sources cannot be read; the step then runs uncached
    /// and reports the problem itself.
    func copyCacheKey(_ copy: PreparedCopy, over chain: LayerChain, step: String) async throws -> Digest? {
        let patterns = copy.sources.compactMap { source -> String? in
            if case .path(let pattern) = source { return pattern }
            return nil
        }
        let sourceDigest: String
        if let reference = copy.from {
            if let stage = referencedStage(reference), let output = finishedStages[stage.index] {
                let view = try StepMount(over: output.chain, in: workDirectory, step: "\(step)-key")
                defer {
                    try? view.unmount()
                    try? FileManager.default.removeItem(at: view.snapshot)
                }
                let stageRoot = BuildContext(rootFilesystem: view.merged.path)
                guard let digest = try? stageRoot.contentDigest(for: patterns, excludes: copy.excludes) else { return nil }
                sourceDigest = "stage files " + digest.description
            } else if case .directory(let directory) = request.namedContexts[reference] {
                guard let named = try? BuildContext(directory: directory.path),
                      let digest = try? named.contentDigest(for: patterns, excludes: copy.excludes) else { return nil }
                sourceDigest = "named context " + digest.description
            } else {
                guard let image = try? await resolveImage(reference) else { return nil }
                sourceDigest = "image " + image.descriptor.digest.description
            }
        } else {
            guard let digest = try? context.contentDigest(for: patterns, excludes: copy.excludes) else { return nil }
            sourceDigest = "context " + digest.description
        }
        return copy.cacheKey(over: chain, sourceDigest: sourceDigest, platform: request.platform,
                             sourceDateEpoch: request.sourceDateEpoch)
    }

    /// The stage `reference` names (by name or index), if it names one.
    private func referencedStage(_ reference: String) -> Stage? {
        request.plan.stages.first(where: { $0.name == reference.lowercased() })
            ?? Int(reference).flatMap { request.plan.stages.indices.contains($0) ? request.plan.stages[$0] : nil }
    }

    /// A source word: a here-document's body (expanded unless its delimiter was quoted), or a path.
    private func copySource(_ word: String, heredocs: [Heredoc], state: StageState) throws -> CopySource {
        if let heredoc = heredocs.first(where: { Heredoc.opener(in: word)?.name == $0.name }) {
            let content = heredoc.expand ? try state.expand(heredoc.content) : heredoc.content
            return .inline(name: heredoc.name, content: Array(content.utf8))
        }
        return .path(try state.expand(word))
    }

    /// Calls `body` with the tree COPY reads from: the context, or for `--from` an earlier
    /// stage's or a stored image's root filesystem, mounted read-only for the call.
    private func withSourceTree<T>(from reference: String?, step: String, _ body: (SourceTree) async throws -> T) async throws -> T {
        if reference?.isEmpty == true {
            throw StageConfigurationError("--from expanded to an empty string; name a stage, a stage index or an image")
        }
        guard let reference else { return try await body(context.sourceTree) }
        let chain: LayerChain
        if let stage = referencedStage(reference), let output = finishedStages[stage.index] {
            chain = output.chain
        } else if case .directory(let directory) = request.namedContexts[reference] {
            return try await body(try BuildContext(directory: directory.path).sourceTree)
        } else {
            chain = LayerChain(image: try await resolveImage(reference))
        }
        let view = try StepMount(over: chain, in: workDirectory, step: "\(step)-from")
        defer {
            try? view.unmount()
            try? FileManager.default.removeItem(at: view.snapshot)
        }
        return try await body(SourceTree.rootFilesystem(at: view.merged.path))
    }
}
