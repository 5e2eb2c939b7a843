import Dockerfile
import Foundation

extension StageBuilder {
    /// Creates the stage's WORKDIR if it is missing, owned by the current USER as BuildKit
    /// does, resolving the path through the image's own symlinks but never out of its root.
    ///
    /// - Returns: whether the step changed the filesystem (false when the directory existed).
    func executeWorkdir(instruction: Instruction, state: StageState, step: String, chain: inout LayerChain) async throws -> Bool {
        let components = state.workingDirectory.split(separator: "/").map(String.init)
        let user = state.config.user.flatMap { $0.isEmpty ? nil : $0 } ?? "root"
        return try await inStepMount(for: instruction, step: step, chain: &chain) { root in
            let resolved = try UserDatabase(root: root.path).resolve(user)
            let writer = TargetWriter(root: try RootDirectory(path: root.path), source: nil,
                                      owner: FileOwner(uid: resolved.uid, gid: resolved.gid), preservesOwnership: false,
                                      modeChange: nil)
            do {
                close(try writer.makeDirectories(components))
            } catch {
                throw StageConfigurationError("cannot create the working directory \(state.workingDirectory): \(error)")
            }
        }
    }
}
