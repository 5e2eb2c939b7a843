import Dockerfile
import Foundation
import StepPlan
import System

extension StageBuilder {
    /// Creates the stage's WORKDIR if it is missing, owned by the current USER as BuildKit
    /// does (``UserDatabase/fileOwner(_:)``: a name the image does not list counts as
    /// root), resolving the path through the image's own symlinks but never out of its
    /// root. The path is cleaned first (`/a/../b` makes `/b`), as BuildKit's mkdir does;
    /// the config keeps it as written.
    ///
    /// - Returns: whether the step changed the filesystem (false when the directory existed).
    func executeWorkdir(_ workdir: WorkdirStep, instruction: Instruction, step: String, chain: inout LayerChain) async throws -> Bool {
        try await inStepMount(for: instruction, target: workdir.target, step: step, chain: &chain) { root in
            let owner = try UserDatabase(root: root.path).fileOwner(workdir.user)
            let writer = TargetWriter(
                root: try RootDirectory(path: root.path), source: nil,
                owner: owner, preservesOwnership: false, modeChange: nil)
            do {
                _ = try FileDescriptor(adopting: writer.makeDirectories(workdir.components))
            } catch {
                throw StepFailure("cannot create the working directory \(workdir.path)", cause: error)
            }
        }
    }
}
