import Dockerfile
import Foundation
import System

extension StageBuilder {
    /// Creates the stage's WORKDIR if it is missing, owned by the current USER as BuildKit
    /// does (``UserDatabase/fileOwner(_:)``: a name the image does not list counts as
    /// root), resolving the path through the image's own symlinks but never out of its
    /// root. The path is cleaned first (`/a/../b` makes `/b`), as BuildKit's mkdir does;
    /// the config keeps it as written.
    ///
    /// - Returns: whether the step changed the filesystem (false when the directory existed).
    func executeWorkdir(instruction: Instruction, state: StageState, step: String, chain: inout LayerChain) async throws -> Bool {
        let components = RootedPath.components(state.workingDirectory)
        let user = state.config.user ?? ""
        return try await inStepMount(for: instruction, step: step, chain: &chain) { root in
            let owner = try UserDatabase(root: root.path).fileOwner(user)
            let writer = TargetWriter(root: try RootDirectory(path: root.path), source: nil,
                                      owner: owner, preservesOwnership: false, modeChange: nil)
            do {
                close(try writer.makeDirectories(components))
            } catch {
                throw StageConfigurationError("cannot create the working directory \(state.workingDirectory): \(error)")
            }
        }
    }
}
