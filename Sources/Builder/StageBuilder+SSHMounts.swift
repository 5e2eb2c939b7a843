import Foundation
import Sandbox
import StepPlan

extension StageBuilder {
    /// The socket a `type=ssh` mount binds at its target: a forwarder of the step's own to
    /// the build's agent `ssh.id`, with the mount's mode, owner and group; nil when the
    /// build was not given that agent and the mount is optional (then nothing is mounted,
    /// as in BuildKit). A missing required one is an error naming the id.
    func sshAgentMount(_ ssh: RunMountStep.SSHMount, target: String, step: String, index: Int) throws -> (
        SSHAgentForwarder, SandboxMount
    )? {
        guard case .socket(let agent) = request.sshSources[ssh.id] else {
            // Key files were loaded into a private agent when the build started (a socket
            // since); any other source is absent.
            guard !ssh.required else {
                throw StepFailure(
                    "the required ssh agent '\(ssh.id)' was not given (pass --ssh \(ssh.id) for $SSH_AUTH_SOCK, or --ssh \(ssh.id)=SOCKET|KEYFILE)"
                )
            }
            return nil
        }
        let forwarder = try SSHAgentForwarder(
            directory: workDirectory.appendingPathComponent("ssh-\(step)-mount\(index)").path, upstream: agent, mode: ssh.mode,
            uid: ssh.uid, gid: ssh.gid)
        return (
            forwarder,
            SandboxMount(source: .bind(root: forwarder.directory, path: "/" + forwarder.socketName, readOnly: true), target: target)
        )
    }
}
