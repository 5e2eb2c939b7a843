import Dockerfile

extension StagePlanner {
    /// Resolves a `type=ssh` mount with BuildKit's defaults: id `default`, target
    /// `/run/buildkit/ssh_agent.<index>` (a written one is joined to the working directory,
    /// as other targets), optional unless `required`, mode 0600, uid and gid 0; `source`
    /// is refused, as BuildKit's frontend refuses it.
    func sshMountStep(
        _ mount: RunMount, index: Int, invalid: (String) -> StageConfigurationError,
        flag: (String) throws(StageConfigurationError) -> Bool?, number: (String, Int, UInt32) throws -> UInt32
    ) throws -> RunMountStep {
        guard mount.source == nil else { throw invalid("an ssh mount takes no source") }
        let written = try mount.target.map { try state.expand($0) }
        let target = RunMountStep.absolute(
            written ?? RunMountStep.SSHMount.defaultTarget(index: index), workingDirectory: state.workingDirectory)
        guard target != "/" else { throw invalid("the mount target '/' is not allowed") }
        let id = try mount.options["id"].map { try state.expand($0) } ?? ""
        let ssh = RunMountStep.SSHMount(
            id: id.isEmpty ? "default" : id, required: try flag("required") ?? false, mode: try number("mode", 8, 0o600),
            uid: try number("uid", 10, 0), gid: try number("gid", 10, 0))
        return RunMountStep(kind: .ssh(ssh), target: target)
    }
}
