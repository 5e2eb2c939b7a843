import Dockerfile
import OCI
import Sandbox

/// Everything a RUN step depends on besides the filesystem it runs on: what its cache key
/// is made of, and what the sandbox is configured with.
struct PreparedRun {
    /// The command as written (shell or exec form).
    var command: CommandForm
    /// Its here-documents.
    var heredocs: [Heredoc]
    /// The SHELL for a shell-form command.
    var shell: [String]
    /// `NAME=value` for the stage's ENV and the ARGs in scope.
    var environment: [String]
    var workingDirectory: String
    /// The USER, as written (resolved in the step's own /etc/passwd).
    var user: String
    var network: SandboxNetwork
    /// `RUN --security=insecure` or not; part of the key, as in BuildKit.
    var security: SandboxSecurity
    var platform: Platform
    var sourceDateEpoch: Int?
    /// Lines added to the step's `/etc/hosts` (`--add-host`); part of the key, as in BuildKit.
    var extraHosts: [HostEntry] = []
    /// `--ulimit` and `--shm-size`; part of the key when given, as in BuildKit.
    var resourceLimits: [ResourceLimit] = []
    var sharedMemorySize: UInt64?

    /// The step's key over the filesystem `chain` holds. Every ARG in scope is in the
    /// environment, so changing one misses from the first RUN after it, as in BuildKit.
    func cacheKey(over chain: LayerChain) -> Digest {
        let form: [String] = switch command {
        case .shell(let text): ["shell", text]
        case .exec(let arguments): ["exec"] + arguments
        }
        let key = CacheKey("run")
            .adding(chain.cacheKey.description)
            .adding(platform.description)
            .adding(sourceDateEpoch.map(String.init) ?? "")
            .adding(form)
            .adding(heredocs.flatMap { [$0.name, $0.content, "\($0.expand) \($0.chomp) \($0.fileDescriptor ?? -1)"] })
            .adding(shell)
            .adding(environment)
            .adding(workingDirectory)
            .adding(user)
            .adding(network == .none ? "none" : "host")
        // Added only when present, so that the keys of other steps stay as they were.
        var withHosts = extraHosts.isEmpty ? key : key.adding(["hosts"] + extraHosts.flatMap { [$0.name, $0.address] })
        if !resourceLimits.isEmpty {
            withHosts = withHosts.adding(["ulimits"] + resourceLimits.map { "\($0.name)=\($0.soft):\($0.hard)" })
        }
        if let sharedMemorySize { withHosts = withHosts.adding("shm-size=\(sharedMemorySize)") }
        return (security == .insecure ? withHosts.adding("security=insecure") : withHosts).digest
    }
}
