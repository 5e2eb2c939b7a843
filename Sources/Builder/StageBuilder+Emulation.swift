import Dockerfile
import OCI
import Sandbox

extension StageBuilder {
    /// Before a RUN step for a platform this machine's kernel does not run itself (an arm64
    /// step on an x86_64 host): binfmt_misc must hand that architecture's executables to an
    /// emulator registered with the `F` flag, or the step would fail with the shell's
    /// `exec format error` and no hint. Architectures not known here are left to run (and fail
    /// as they would).
    func checkEmulator(for platform: OCI.Platform, instruction: Instruction) throws {
        let normalized = platform.normalized
        guard !ForeignArchitecture.runsNatively(normalized.architecture),
            let foreign = ForeignArchitecture(architecture: normalized.architecture)
        else { return }
        let status = Emulation.status(for: foreign)
        if let problem = Emulation.problem(status, architecture: foreign, platform: normalized.description) {
            throw failure(instruction, problem)
        }
    }
}
