import CSandbox

/// Runs build steps in sandboxes: fresh mount, PID, UTS and IPC namespaces (and a network
/// namespace for ``SandboxNetwork/none``), a fresh `/proc`, a read-only `/sys`, a minimal
/// `/dev`, a generated `/etc/hosts` and the host's `/etc/resolv.conf` mounted read-only
/// (`/etc/hostname` is the image's own, as under BuildKit), `pivot_root` into the step's root, then the step's user, working
/// directory and command.
///
/// The step keeps Docker's default capabilities but CAP_MKNOD (and CAP_NET_RAW on the
/// host's network), runs under Docker's default seccomp profile and a fresh session
/// keyring, in a `nodev` root and a devices cgroup (v1 controller or v2 eBPF program)
/// allowing only `/dev`'s standard nodes. Its processes are in cgroups of its own from the
/// start (``SandboxConfiguration/cgroupLimits``: memory, CPU and process limits), which
/// also measure what it used (``Sandbox/execute(_:output:)``). ``SandboxSecurity/insecure`` keeps every capability and drops
/// the seccomp filter.
///
/// PID 1 in the sandbox is a fork of swiftbuild only while it sets the sandbox up; then it
/// execs a tiny static init (built at run time into a sealed memory file, never
/// swiftbuild's binary, with the command line `init` and an empty environment) that
/// forwards SIGTERM, SIGINT, SIGHUP and SIGQUIT to the step, which is PID 2, reaps
/// orphans, and ends with the step: whatever the step left running is killed then.
public enum Sandbox {
    /// Runs `configuration`'s command to its end, with its stdout and stderr on `output`
    /// (stdin is `/dev/null`). Cancelling the task kills the step's whole process tree and
    /// throws ``SandboxError/cancelled``; the root is cleaned up before this returns.
    public static func run(_ configuration: SandboxConfiguration, output: Int32) async throws(SandboxError)
        -> ExitStatus
    {
        try await execute(configuration, output: output).status
    }

    /// ``run(_:output:)``, also returning what the step used, from its cgroups (peak
    /// memory, CPU time, whether it hit its memory or process limit).
    public static func execute(_ configuration: SandboxConfiguration, output: Int32) async throws(SandboxError)
        -> SandboxResult
    {
        guard !Task.isCancelled else { throw .cancelled }
        let process = try await SandboxProcess.launch(configuration, output: output)
        let outcome = await withTaskCancellationHandler {
            await process.outcome()
        } onCancel: {
            process.kill()
        }
        return SandboxResult(status: try outcome.get(), usage: process.usage ?? StepUsage())
    }
}

/// How a step ended and what it used.
public struct SandboxResult: Sendable {
    public var status: ExitStatus
    public var usage: StepUsage
}
