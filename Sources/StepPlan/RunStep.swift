import Dockerfile
import OCI

/// A RUN instruction, resolved: everything its step depends on besides the filesystem it
/// runs on, which is what its cache key is made of and what the sandbox is configured with.
public struct RunStep: Sendable {
    /// The command as written (shell or exec form).
    public var command: CommandForm
    /// Its here-documents.
    public var heredocs: [Heredoc]
    /// The SHELL for a shell-form command.
    public var shell: [String]
    /// `NAME=value` for the stage's ENV and the ARGs in scope.
    public var environment: [String]
    public var workingDirectory: String
    /// The USER, as written (resolved in the step's own /etc/passwd when it runs).
    public var user: String
    public var network: RunNetwork
    /// `RUN --security=insecure` (allowed by the build); part of the key, as in BuildKit.
    public var insecure: Bool
    /// `--add-host`, `--ulimit` and `--shm-size`; part of the key when given, as in BuildKit.
    public var defaults: RunDefaults
    public var target: StepTarget
    /// Its `--mount`s, resolved, in the order written.
    public var mounts: [RunMountStep] = []
    /// What the image history records for it.
    public var historyLine: String

    /// The step's key over the filesystem whose key is `parent`. Every ARG in scope is in
    /// the environment, so changing one misses from the first RUN after it, as in BuildKit.
    /// `mountDigests` has one entry per mount (nil for a tmpfs): the digest of what a bind
    /// selects. Mounts add their spec and that digest, never what a mount holds while the
    /// step runs; a step without mounts keys as before mounts existed.
    public func cacheKey(over parent: Digest, mountDigests: [Digest?] = []) -> Digest {
        let form: [String] =
            switch command {
            case .shell(let text): ["shell", text]
            case .exec(let arguments): ["exec"] + arguments
            }
        var key = CacheKey.step("run", over: parent, target: target)
            .adding(form)
            .adding(heredocs.flatMap { [$0.name, $0.content, "\($0.expand) \($0.chomp) \($0.fileDescriptor ?? -1)"] })
            .adding(shell)
            .adding(environment)
            .adding(workingDirectory)
            .adding(user)
            .adding(network.rawValue)
        // Added only when present, so that the keys of other steps stay as they were.
        if !defaults.extraHosts.isEmpty {
            key = key.adding(["hosts"] + defaults.extraHosts.flatMap { [$0.name, $0.address] })
        }
        if !defaults.resourceLimits.isEmpty {
            key = key.adding(["ulimits"] + defaults.resourceLimits)
        }
        if let size = defaults.sharedMemorySize { key = key.adding("shm-size=\(size)") }
        if !mounts.isEmpty {
            precondition(mountDigests.count == mounts.count, "one digest (or nil) per mount")
            key = key.adding(["mounts"] + zip(mounts, mountDigests).flatMap { $0.keyFields(contentDigest: $1) })
        }
        return (insecure ? key.adding("security=insecure") : key).digest
    }
}
