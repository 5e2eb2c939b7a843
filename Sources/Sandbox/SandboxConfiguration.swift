import System

/// Everything needed to run one build step in a sandbox.
public struct SandboxConfiguration: Sendable {
    /// The host name steps get unless told otherwise; BuildKit's, so that scripts see the
    /// same name under swiftbuild.
    public static let defaultHostname = "buildkitsandbox"

    /// The prepared root directory (the merged view of the step's overlay) the step runs
    /// in. Mount points it lacks are created for the step and removed afterwards, except
    /// `/proc`, `/sys` and `/dev`, which stay (empty, 0755), as runc leaves them.
    public var rootfs: String
    /// The command line. An `arguments[0]` without a slash is looked up in the `PATH` of
    /// ``environment`` (or the usual default PATH) inside the root.
    public var arguments: [String]
    /// The step's whole environment, as `KEY=VALUE` strings.
    public var environment: [String] = []
    /// The absolute working directory inside the root; created (owned by ``uid``:``gid``)
    /// when missing.
    public var workingDirectory: String = "/"
    /// The step's user id.
    public var uid: UInt32 = 0
    /// The step's primary group id.
    public var gid: UInt32 = 0
    /// The step's supplementary groups (none unless listed).
    public var supplementaryGroups: [UInt32] = []
    /// The host name in the step's UTS namespace, also written to `/etc/hosts`.
    /// `/etc/hostname` is the image's own file, as under BuildKit (which does not mount
    /// one), so a step may write it into its layer.
    public var hostname: String = SandboxConfiguration.defaultHostname
    /// The host's network, none, or a private one behind swiftbuild's bridge.
    public var network: SandboxNetwork = .host
    /// The host file mounted read-only at `/etc/resolv.conf`, or nil for none. On the
    /// private network the step gets a copy with loopback nameservers replaced.
    public var resolvConf: String? = "/etc/resolv.conf"
    /// Lines added to the generated `/etc/hosts`.
    public var extraHosts: [HostEntry] = []
    /// The size of the step's `/dev/shm` in bytes (`--shm-size`; 64 MiB as docker's default).
    public var sharedMemorySize: UInt64 = 64 << 20
    /// Resource limits set in the step before exec (`--ulimit`).
    public var resourceLimits: [ResourceLimit] = []
    /// The step's cgroup limits (`--memory`, `--memory-swap`, `--cpus`, `--cpu-shares`,
    /// `--pids-limit`); by default no memory or CPU limit and
    /// ``CgroupLimits/defaultPidsLimit`` processes.
    public var cgroupLimits = CgroupLimits()
    /// `--cgroup-parent`: the cgroup the step's cgroups are made under (absolute: from each
    /// hierarchy's root; relative: from PID 1's cgroup), created when missing; nil for
    /// swiftbuild's own cgroups.
    public var cgroupParent: String?
    /// Whether the step runs confined (the default) or with every capability and no
    /// seccomp filter (`RUN --security=insecure`).
    public var security: SandboxSecurity = .sandboxed
    /// The step's own mounts (`RUN --mount`), attached before it starts and detached
    /// after it ends; missing targets are created for the step and removed after it.
    public var mounts: [SandboxMount] = []

    /// A configuration running `arguments` as root in `rootfs`, in `/`, on the host's
    /// network, with an empty environment.
    public init(rootfs: String, arguments: [String]) {
        self.rootfs = rootfs
        self.arguments = arguments
    }

    /// Checks what the kernel would otherwise reject with a less helpful error.
    func validate() throws(SandboxError) {
        func invalid(_ reason: String) -> SandboxError { .invalidConfiguration(reason) }
        guard rootfs.hasPrefix("/") else { throw invalid("the root '\(rootfs)' is not an absolute path") }
        guard let command = arguments.first, !command.isEmpty else { throw invalid("the command is empty") }
        if case .bridge = network, RootlessProcess.isRootless, UserModeNetwork.program == nil {
            // The bridge, veths and NAT are the host's root's to make; rootless steps get
            // user-mode networking instead (UserModeNetwork), which needs slirp4netns.
            throw invalid(
                "--network private rootless needs slirp4netns for user-mode networking (Debian: apt-get install slirp4netns); else use --network host (the default) or none"
            )
        }
        guard workingDirectory.hasPrefix("/") else {
            throw invalid("the working directory '\(workingDirectory)' is not an absolute path")
        }
        guard !hostname.isEmpty, hostname.utf8.count <= 64, !hostname.contains(where: \.isWhitespace) else {
            throw invalid("'\(hostname)' is not a host name")
        }
        for entry in extraHosts
        where entry.name.isEmpty || entry.address.isEmpty
            || (entry.name + entry.address).contains(where: \.isWhitespace)
        {
            throw invalid("'\(entry.name):\(entry.address)' is not a host entry")
        }
        let strings =
            [rootfs, workingDirectory, hostname] + arguments + environment + (resolvConf.map { [$0] } ?? [])
            + extraHosts.flatMap { [$0.name, $0.address] }
            + mounts.flatMap { mount -> [String] in
                guard case .bind(let root, let path, _) = mount.source else { return [mount.target] }
                return [mount.target, root, path]
            }
        if let bad = strings.first(where: { $0.utf8.contains(0) }) {
            throw invalid("'\(bad)' contains a NUL byte")
        }
        for mount in mounts where !mount.target.hasPrefix("/") || mount.target.split(separator: "/").isEmpty {
            throw invalid("the mount target '\(mount.target)' is not an absolute path below '/'")
        }
        if let cgroupParent, !CgroupSettings.isValidParent(cgroupParent) {
            throw invalid("--cgroup-parent '\(cgroupParent)' is not a cgroup path")
        }
        if let bad = environment.first(where: { !$0.contains("=") }) {
            throw invalid("the environment entry '\(bad)' has no '='")
        }
    }
}
