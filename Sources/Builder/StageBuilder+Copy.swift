import Dockerfile
import Foundation

extension StageBuilder {
    /// Runs a COPY or ADD into a new snapshot.
    ///
    /// - Returns: whether the step changed the filesystem.
    func executeCopy(_ transfer: FileTransfer, instruction: Instruction, step: String, state: StageState,
                     chain: inout LayerChain) async throws -> Bool {
        let sources = try transfer.sources.map { try copySource($0, heredocs: instruction.heredocs, state: state) }
        let destination = try state.expand(transfer.destination)
        let chown = try transfer.chown.map { try state.expand($0) }
        let modeChange = try transfer.chmod.map { try FileModeChange(parsing: state.expand($0)) }
        let excludes = try transfer.excludes.map { try state.expand($0) }
        let keyword: CopyInstruction = instruction.keyword == .add ? .add : .copy
        return try await withSourceTree(from: transfer.from.map { try state.expand($0) }, step: step) { tree in
            try await inStepMount(for: instruction, step: step, chain: &chain) { root in
                let owner = try chown.map { try UserDatabase(root: root.path).owner(for: $0) }
                let request = CopyRequest(keyword, sources: sources, destination: destination,
                                          workingDirectory: state.workingDirectory, owner: owner, modeChange: modeChange,
                                          excludes: excludes, parents: transfer.parents, link: transfer.link)
                try FileCopier.perform(request, from: tree, into: root.path)
            }
        }
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
        var chain: LayerChain
        if let stage = request.plan.stages.first(where: { $0.name == reference.lowercased() }) ?? Int(reference).map({ request.plan.stages[$0] }),
           let output = finishedStages[stage.index] {
            chain = output.chain
        } else {
            let image = try ImageReference(reference).resolve(in: store)
            chain = LayerChain()
            chain.directories = image.snapshotDirectories
        }
        let view = try StepMount(over: chain, in: workDirectory, step: "\(step)-from")
        defer {
            try? view.unmount()
            try? FileManager.default.removeItem(at: view.snapshot)
        }
        return try await body(SourceTree.rootFilesystem(at: view.merged.path))
    }
}
