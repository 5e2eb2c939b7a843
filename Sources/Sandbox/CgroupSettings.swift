import Foundation

/// A cgroup hierarchy's version: one hierarchy per controller set (v1), or the unified one (v2).
public enum CgroupVersion: Sendable, Hashable {
    case v1
    case v2
}

/// One file of a step's cgroup and the value written to it.
struct CgroupWrite: Sendable, Hashable {
    var file: String
    var value: String
    /// A file the kernel may lack (swap accounting is a build and boot option): skipped
    /// when missing.
    var optional = false
}

/// How a step's cgroup is used on this host, as pure functions of what the kernel shows
/// (`/proc/self/mountinfo`, `/proc/self/cgroup`, `cgroup.controllers`) and of the limits:
/// where each controller lives, which files get which values, and what the statistics
/// files say. `StepCgroup` does the reads and writes.
enum CgroupSettings {
    /// The v1 controllers swiftbuild knows; other words of a v1 mount's options are
    /// mount options (`rw`, `relatime`, `name=systemd`...).
    static let v1Controllers: Set<String> = [
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio", "perf_event", "net_prio",
        "hugetlb", "pids", "rdma", "misc"
    ]
    /// What every v2 cgroup can do without a controller: the eBPF device program (`devices`)
    /// and the CPU time in `cpu.stat` (v1's `cpuacct`).
    static let v2Builtin: Set<String> = ["devices", "cpuacct"]

    /// A mounted cgroup hierarchy.
    struct Mount: Sendable, Hashable {
        /// Where it is mounted (`/sys/fs/cgroup/memory`).
        var mountPoint: String
        /// The cgroup at the mount point (`/` unless a cgroup namespace or a bind mount
        /// shows a subtree).
        var root: String
        var version: CgroupVersion
        /// A v1 hierarchy's controllers (`cpu`, `cpuacct` when mounted together); empty for v2.
        var controllers: Set<String>
    }

    /// The cgroup hierarchies in `/proc/self/mountinfo` content: fields
    /// `ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER`, with
    /// the controllers of a v1 hierarchy among its super options. The first mount of a
    /// hierarchy wins (a later one is a bind mount of it).
    static func mounts(inMountinfo content: String) -> [Mount] {
        var result: [Mount] = []
        for line in content.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard let separator = fields.firstIndex(of: "-"), separator >= 6, fields.count >= separator + 4 else { continue }
            let type = fields[separator + 1]
            let root = unescape(fields[3])
            let mountPoint = unescape(fields[4])
            switch type {
            case "cgroup2":
                if !result.contains(where: { $0.version == .v2 }) {
                    result.append(Mount(mountPoint: mountPoint, root: root, version: .v2, controllers: []))
                }
            case "cgroup":
                let controllers = Set(fields[separator + 3].split(separator: ",").map(String.init)).intersection(v1Controllers)
                if !controllers.isEmpty, !result.contains(where: { $0.version == .v1 && $0.controllers == controllers }) {
                    result.append(Mount(mountPoint: mountPoint, root: root, version: .v1, controllers: controllers))
                }
            default:
                continue
            }
        }
        return result
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    private static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The hierarchy that holds `controller`: its v1 hierarchy when it has one (a controller
    /// bound to v1 is absent from v2), else the v2 hierarchy when it is a built-in of every
    /// v2 cgroup or listed in the v2 root's `cgroup.controllers` (`unifiedControllers`).
    static func mount(for controller: String, in mounts: [Mount], unifiedControllers: Set<String>) -> Mount? {
        if let v1 = mounts.first(where: { $0.version == .v1 && $0.controllers.contains(controller) }) { return v1 }
        guard let v2 = mounts.first(where: { $0.version == .v2 }),
            v2Builtin.contains(controller) || unifiedControllers.contains(controller)
        else { return nil }
        return v2
    }

    /// The directory of a cgroup path (`/proc/self/cgroup`'s third field, or a
    /// `--cgroup-parent`) in a hierarchy: the path below the mount's root, under its mount point.
    static func directory(of cgroupPath: String, in mount: Mount) -> String {
        var path = cgroupPath
        if mount.root != "/", path == mount.root || path.hasPrefix(mount.root + "/") {
            path = String(path.dropFirst(mount.root.count))
        }
        let components = path.split(separator: "/")
        return components.isEmpty ? mount.mountPoint : mount.mountPoint + "/" + components.joined(separator: "/")
    }

    /// The cgroup path the steps' cgroups are made under in `mount`, given swiftbuild's own
    /// cgroup there (`ownPath`) and PID 1's (`initPath`): `--cgroup-parent` with docker's
    /// meaning (an absolute path is from the hierarchy's root, a relative one from the
    /// init process's cgroup), else swiftbuild's own cgroup.
    static func parentPath(cgroupParent: String?, ownPath: String, initPath: String) -> String {
        guard let cgroupParent else { return ownPath }
        if cgroupParent.hasPrefix("/") { return cgroupParent }
        return (initPath.hasSuffix("/") ? initPath : initPath + "/") + cgroupParent
    }

    /// Whether `text` can be a `--cgroup-parent`: no `.` or `..` component (it would climb
    /// out of the hierarchy or name a file), no NUL byte, not empty, not only `/`.
    static func isValidParent(_ text: String) -> Bool {
        let components = text.split(separator: "/")
        return !components.isEmpty && !text.utf8.contains(0) && !components.contains { $0 == "." || $0 == ".." }
    }

    // MARK: - Limits as files

    /// The files of `controller`'s part of a step's cgroup and their values under
    /// `version`, in the order they must be written (v1's memory limit before the
    /// memory+swap limit, which may not be below it).
    static func writes(_ limits: CgroupLimits, controller: String, version: CgroupVersion) -> [CgroupWrite] {
        switch (controller, version) {
        case ("memory", .v1):
            guard let memory = limits.memory else { return [] }
            return [
                CgroupWrite(file: "memory.limit_in_bytes", value: String(memory)),
                CgroupWrite(file: "memory.memsw.limit_in_bytes", value: limits.memoryAndSwap.map(String.init) ?? "-1", optional: true)
            ]
        case ("memory", .v2):
            guard let memory = limits.memory else { return [] }
            // v2 limits swap alone, not memory plus swap.
            let swap = limits.memoryAndSwap.map { String($0 - memory) } ?? "max"
            return [
                CgroupWrite(file: "memory.max", value: String(memory)),
                CgroupWrite(file: "memory.swap.max", value: swap, optional: true)
            ]
        case ("cpu", .v1):
            var writes: [CgroupWrite] = []
            if let quota = limits.cpuQuota {
                writes += [
                    CgroupWrite(file: "cpu.cfs_period_us", value: String(CgroupLimits.cpuPeriod)),
                    CgroupWrite(file: "cpu.cfs_quota_us", value: String(quota))
                ]
            }
            if let shares = limits.cpuShares { writes.append(CgroupWrite(file: "cpu.shares", value: String(clampedShares(shares)))) }
            return writes
        case ("cpu", .v2):
            var writes: [CgroupWrite] = []
            if let quota = limits.cpuQuota {
                writes.append(CgroupWrite(file: "cpu.max", value: "\(quota) \(CgroupLimits.cpuPeriod)"))
            }
            if let shares = limits.cpuShares { writes.append(CgroupWrite(file: "cpu.weight", value: String(cpuWeight(shares: shares)))) }
            return writes
        case ("pids", _):
            return [CgroupWrite(file: "pids.max", value: limits.pidsLimit.map(String.init) ?? "max")]
        default:
            return []
        }
    }

    /// v1's `cpu.shares` range, which the kernel clamps to anyway.
    static func clampedShares(_ shares: UInt64) -> UInt64 { min(max(shares, 2), 262_144) }

    /// `cpu.shares` (2...262144, default 1024) as v2's `cpu.weight` (1...10000, default
    /// 100), with the linear mapping runc and the OCI runtimes use.
    static func cpuWeight(shares: UInt64) -> UInt64 {
        1 + ((clampedShares(shares) - 2) * 9999) / 262_142
    }

    /// The v2 controllers a step's cgroup needs enabled in its parent's
    /// `cgroup.subtree_control` for `controllers`.
    static func subtreeControllers(_ controllers: [String]) -> [String] {
        controllers.filter { !v2Builtin.contains($0) }
    }

    // MARK: - Statistics

    /// The files a step's statistics come from, per controller and version.
    static func statisticsFiles(controller: String, version: CgroupVersion) -> [String] {
        switch (controller, version) {
        case ("memory", .v1): ["memory.max_usage_in_bytes", "memory.oom_control", "memory.failcnt"]
        case ("memory", .v2): ["memory.peak", "memory.events"]
        case ("cpuacct", .v1): ["cpuacct.usage"]
        case ("cpuacct", .v2): ["cpu.stat"]
        case ("pids", _): ["pids.events"]
        default: []
        }
    }

    /// A flat-keyed cgroup file (`memory.events`, `memory.oom_control`, `pids.events`,
    /// `cpu.stat`): `KEY VALUE` lines.
    static func flatKeyed(_ content: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in content.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = UInt64(fields[1]) { values[String(fields[0])] = value }
        }
        return values
    }

    /// The step's usage from the statistics files' contents, by file name (a file the
    /// host lacks is absent). `killedBySignal9` is whether the step's process or the
    /// status it reported says SIGKILL: v1 kernels before 4.13 have no `oom_kill` count,
    /// and then a SIGKILL after the limit was hit (`memory.failcnt`) is the OOM killer's.
    static func usage(files: [String: String], killedBySignal9: Bool) -> StepUsage {
        var usage = StepUsage()
        func number(_ name: String) -> UInt64? {
            files[name].flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        usage.peakMemory = number("memory.max_usage_in_bytes") ?? number("memory.peak")
        if let nanoseconds = number("cpuacct.usage") {
            usage.cpuTime = .nanoseconds(Int64(clamping: nanoseconds))
        } else if let microseconds = files["cpu.stat"].flatMap({ flatKeyed($0)["usage_usec"] }) {
            usage.cpuTime = .microseconds(Int64(clamping: microseconds))
        }
        if let events = files["memory.events"] ?? files["memory.oom_control"] {
            let values = flatKeyed(events)
            if let kills = values["oom_kill"] {
                usage.outOfMemoryKills = kills
            } else if killedBySignal9, (number("memory.failcnt") ?? 0) > 0 {
                usage.outOfMemoryKills = 1
            }
        }
        usage.pidsLimitHits = files["pids.events"].flatMap { flatKeyed($0)["max"] } ?? 0
        return usage
    }
}

/// What a step used, from its cgroup, once it ended.
public struct StepUsage: Sendable, Hashable {
    /// The most memory the step's processes used at once (with the page cache they
    /// caused), in bytes; nil when the host's memory controller cannot say.
    public var peakMemory: UInt64?
    /// CPU time (user and system) of all the step's processes.
    public var cpuTime: Duration?
    /// How many of the step's processes the kernel's OOM killer killed at the memory limit.
    public var outOfMemoryKills: UInt64 = 0
    /// How many times a fork or clone failed at the process limit.
    public var pidsLimitHits: UInt64 = 0

    public init() {}

    /// `peak 35 MiB, cpu 0.80s`, or the half that is known; nil when neither is.
    public var summary: String? {
        var parts: [String] = []
        if let peakMemory { parts.append("peak \(CgroupLimits.describe(bytes: peakMemory))") }
        if let cpuTime {
            let (seconds, attoseconds) = cpuTime.components
            let hundredths = (seconds * 100) + (attoseconds / 10_000_000_000_000_000)
            parts.append("cpu \(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)s")
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
