import CSandbox
import Glibc
import System

/// A `csandbox_spec` and the C memory it points to, alive until this object goes away.
/// Built on the thread that spawns the sandbox and used only there.
final class SpawnSpecification {
    private var allocations: [UnsafeMutableRawPointer] = []
    private(set) var spec = csandbox_spec()

    /// Copies `configuration` into C memory; `cgroupProcs` are the `cgroup.procs` of the
    /// step's cgroups, one per hierarchy. Fails when the seccomp filter or the init cannot
    /// be made.
    /// `network` is the prepared namespace of a ``SandboxNetwork/bridge(_:)`` step, and
    /// `resolvConf` that step's generated /etc/resolv.conf.
    init(
        _ configuration: SandboxConfiguration, output: Int32, cgroupProcs: [Int32], network: Int32 = -1,
        resolvConf: String? = nil
    ) throws(SandboxError) {
        spec.rootfs = string(configuration.rootfs)
        spec.argv = array(configuration.arguments)
        spec.envp = array(configuration.environment)
        spec.workdir = string(configuration.workingDirectory)
        spec.hostname = string(configuration.hostname)
        spec.uid = configuration.uid
        spec.gid = configuration.gid
        let groups = UnsafeMutablePointer<UInt32>.allocate(capacity: max(configuration.supplementaryGroups.count, 1))
        groups.initialize(from: configuration.supplementaryGroups, count: configuration.supplementaryGroups.count)
        allocations.append(UnsafeMutableRawPointer(groups))
        spec.groups = UnsafePointer(groups)
        spec.group_count = configuration.supplementaryGroups.count
        spec.new_network = configuration.network == .none ? 1 : 0
        spec.hosts = string(configuration.hostsFileContent)
        spec.network_fd = network
        spec.rootless = RootlessProcess.isRootless ? 1 : 0
        if let resolvConf {
            spec.resolv_conf_content = string(resolvConf)
        } else {
            spec.resolv_conf = configuration.resolvConf.map(string)
        }
        spec.output_fd = output
        spec.keep_net_raw = configuration.network == .host ? 0 : 1
        spec.keep_all_capabilities = configuration.security == .insecure ? 1 : 0
        if configuration.security == .sandboxed {
            guard let filter = csandbox_default_seccomp_filter() else {
                throw .system(.last("build the seccomp filter for", path: configuration.rootfs))
            }
            spec.seccomp_filter = filter
        }
        let procs = UnsafeMutablePointer<Int32>.allocate(capacity: max(cgroupProcs.count, 1))
        procs.initialize(from: cgroupProcs, count: cgroupProcs.count)
        allocations.append(UnsafeMutableRawPointer(procs))
        spec.cgroup_procs_fds = UnsafePointer(procs)
        spec.cgroup_procs_count = cgroupProcs.count
        spec.shm_size = configuration.sharedMemorySize
        let limits = UnsafeMutablePointer<csandbox_rlimit>.allocate(capacity: max(configuration.resourceLimits.count, 1))
        for (index, limit) in configuration.resourceLimits.enumerated() {
            (limits + index).initialize(to: csandbox_rlimit(resource: limit.resource, soft: limit.soft, hard: limit.hard))
        }
        allocations.append(UnsafeMutableRawPointer(limits))
        spec.rlimits = UnsafePointer(limits)
        spec.rlimit_count = configuration.resourceLimits.count
        spec.init_fd = csandbox_init_executable()
        guard spec.init_fd >= 0 else {
            throw .system(.last("make the init executable for", path: configuration.rootfs))
        }
    }

    deinit {
        for allocation in allocations {
            allocation.deallocate()
        }
    }

    private func string(_ value: String) -> UnsafePointer<CChar> {
        let bytes = value.utf8CString
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { copy.initialize(from: $0.baseAddress!, count: bytes.count) }
        allocations.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    /// A NULL-terminated array of C strings.
    private func array(_ values: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: values.count + 1)
        for (index, value) in values.enumerated() {
            (pointers + index).initialize(to: string(value))
        }
        (pointers + values.count).initialize(to: nil)
        allocations.append(UnsafeMutableRawPointer(pointers))
        return UnsafePointer(pointers)
    }
}
