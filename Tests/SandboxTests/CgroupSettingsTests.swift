import Testing

@testable import Sandbox

/// The pure half of the steps' cgroups: docker's flag values, where each controller lives,
/// which files get which values on cgroup v1 and v2, and what the statistics files say.
/// No root and no cgroup filesystem needed.
@Suite("Cgroup limits and settings")
struct CgroupSettingsTests {
    @Test("sizes read as docker reads them (binary units, optional i and b)")
    func sizes() throws {
        #expect(try CgroupLimits.size("64m", flag: "--memory") == 64 << 20)
        #expect(try CgroupLimits.size("64MiB", flag: "--memory") == 64 << 20)
        #expect(try CgroupLimits.size("64 MB", flag: "--memory") == 64 << 20)
        #expect(try CgroupLimits.size("1.5g", flag: "--memory") == 3 << 29)
        #expect(try CgroupLimits.size("512kb", flag: "--memory") == 512 << 10)
        #expect(try CgroupLimits.size("100000", flag: "--memory") == 100_000)
        for bad in ["", "m", "64x", "1..5g", "-1", "64mm", ".5g", "1e9"] {
            #expect(throws: CgroupLimitError.self, "\(bad)") { try CgroupLimits.size(bad, flag: "--memory") }
        }
    }

    @Test("--memory and --memory-swap follow docker's rules")
    func memory() throws {
        var limits = CgroupLimits()
        try limits.setMemory("64m", swap: nil)
        #expect(limits.memory == 64 << 20)
        #expect(limits.memoryAndSwap == 128 << 20, "as much swap as memory by default")
        try limits.setMemory("64m", swap: "-1")
        #expect(limits.memoryAndSwap == nil)
        try limits.setMemory("64m", swap: "64m")
        #expect(limits.memoryAndSwap == 64 << 20)
        #expect(throws: CgroupLimitError.self) {
            var other = CgroupLimits(); try other.setMemory("5m", swap: nil)
        }
        #expect(throws: CgroupLimitError.self) {
            var other = CgroupLimits(); try other.setMemory(nil, swap: "1g")
        }
        #expect(throws: CgroupLimitError.self) {
            var other = CgroupLimits(); try other.setMemory("1g", swap: "512m")
        }
    }

    @Test("--cpus is a CFS quota per 100 ms, from the decimal digits")
    func cpus() throws {
        #expect(CgroupLimits.cpuQuota("0.5") == 50_000)
        #expect(CgroupLimits.cpuQuota("2") == 200_000)
        #expect(CgroupLimits.cpuQuota("1.25") == 125_000)
        #expect(CgroupLimits.cpuQuota("0.1") == 10_000)
        #expect(CgroupLimits.cpuQuota(".5") == 50_000)
        for bad in ["", "0", "0.0", "-1", "1,5", "a", "1.2.3", "."] {
            #expect(CgroupLimits.cpuQuota(bad) == nil, "\(bad)")
        }
        var limits = CgroupLimits()
        #expect(throws: CgroupLimitError.self) { try limits.setCPUs("0.001") }
        try limits.setCPUs("0.01")
        #expect(limits.cpuQuota == 1_000)
    }

    @Test("--pids-limit: a default, and 0 or -1 for none; --cpu-shares 0 is the default weight")
    func pidsAndShares() throws {
        var limits = CgroupLimits()
        #expect(limits.pidsLimit == CgroupLimits.defaultPidsLimit && limits.pidsLimitIsDefault)
        try limits.setPidsLimit(64)
        #expect(limits.pidsLimit == 64 && !limits.pidsLimitIsDefault)
        try limits.setPidsLimit(-1)
        #expect(limits.pidsLimit == nil)
        try limits.setPidsLimit(0)
        #expect(limits.pidsLimit == nil)
        #expect(throws: CgroupLimitError.self) { try limits.setPidsLimit(-2) }
        try limits.setCPUShares(0)
        #expect(limits.cpuShares == nil)
        try limits.setCPUShares(512)
        #expect(limits.cpuShares == 512)
    }

    @Test("sizes in messages use binary units")
    func describe() {
        #expect(CgroupLimits.describe(bytes: 64 << 20) == "64 MiB")
        #expect(CgroupLimits.describe(bytes: 3 << 29) == "1.5 GiB")
        #expect(CgroupLimits.describe(bytes: 900) == "900 B")
        #expect(CgroupLimits.describe(bytes: 35 * 1_048_576 + 200_000) == "35.2 MiB")
    }

    @Test("v1 files and values for each limit, in the order the kernel needs")
    func v1Writes() throws {
        var limits = CgroupLimits()
        try limits.setMemory("64m", swap: "256m")
        try limits.setCPUs("0.5")
        try limits.setCPUShares(512)
        try limits.setPidsLimit(64)
        #expect(
            CgroupSettings.writes(limits, controller: "memory", version: .v1) == [
                CgroupWrite(file: "memory.limit_in_bytes", value: "67108864"),
                CgroupWrite(file: "memory.memsw.limit_in_bytes", value: "268435456", optional: true)
            ])
        #expect(
            CgroupSettings.writes(limits, controller: "cpu", version: .v1) == [
                CgroupWrite(file: "cpu.cfs_period_us", value: "100000"), CgroupWrite(file: "cpu.cfs_quota_us", value: "50000"),
                CgroupWrite(file: "cpu.shares", value: "512")
            ])
        #expect(CgroupSettings.writes(limits, controller: "pids", version: .v1) == [CgroupWrite(file: "pids.max", value: "64")])
        #expect(CgroupSettings.writes(limits, controller: "cpuacct", version: .v1).isEmpty)
        try limits.setMemory("64m", swap: "-1")
        #expect(CgroupSettings.writes(limits, controller: "memory", version: .v1).last?.value == "-1")
        #expect(CgroupSettings.writes(CgroupLimits(), controller: "memory", version: .v1).isEmpty)
    }

    @Test("v2 files and values: swap alone, cpu.max, cpu.weight from shares, max for no limit")
    func v2Writes() throws {
        var limits = CgroupLimits()
        try limits.setMemory("64m", swap: "256m")
        try limits.setCPUs("1.5")
        try limits.setCPUShares(1024)
        try limits.setPidsLimit(-1)
        #expect(
            CgroupSettings.writes(limits, controller: "memory", version: .v2) == [
                CgroupWrite(file: "memory.max", value: "67108864"),
                CgroupWrite(file: "memory.swap.max", value: "201326592", optional: true)
            ])
        #expect(
            CgroupSettings.writes(limits, controller: "cpu", version: .v2) == [
                CgroupWrite(file: "cpu.max", value: "150000 100000"), CgroupWrite(file: "cpu.weight", value: "39")
            ])
        #expect(CgroupSettings.writes(limits, controller: "pids", version: .v2) == [CgroupWrite(file: "pids.max", value: "max")])
        try limits.setMemory("64m", swap: "-1")
        #expect(CgroupSettings.writes(limits, controller: "memory", version: .v2).last?.value == "max")
        #expect(CgroupSettings.cpuWeight(shares: 2) == 1)
        #expect(CgroupSettings.cpuWeight(shares: 262_144) == 10_000)
        #expect(CgroupSettings.cpuWeight(shares: 1) == 1, "clamped as v1 would")
    }

    static let hybridMountinfo = """
        25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        26 25 0:24 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        27 26 0:25 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        28 26 0:26 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        29 26 0:27 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        30 26 0:28 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        31 26 0:29 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        32 26 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        33 26 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
        """

    @Test("each controller's hierarchy is found per controller: v1 where bound, else v2")
    func placement() {
        let mounts = CgroupSettings.mounts(inMountinfo: Self.hybridMountinfo)
        #expect(mounts.count == 6, "five v1 controller hierarchies (not name=systemd) and the unified one")
        let memory = CgroupSettings.mount(for: "memory", in: mounts, unifiedControllers: ["hugetlb"])
        #expect(memory?.mountPoint == "/sys/fs/cgroup/memory" && memory?.version == .v1)
        let hugetlb = CgroupSettings.mount(for: "hugetlb", in: mounts, unifiedControllers: ["hugetlb"])
        #expect(hugetlb?.mountPoint == "/sys/fs/cgroup/unified" && hugetlb?.version == .v2)
        #expect(CgroupSettings.mount(for: "rdma", in: mounts, unifiedControllers: ["hugetlb"]) == nil)

        let unifiedOnly = CgroupSettings.mounts(
            inMountinfo: "40 1 0:33 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n")
        for controller in ["memory", "pids", "cpu", "devices", "cpuacct"] {
            #expect(CgroupSettings.mount(for: controller, in: unifiedOnly, unifiedControllers: ["cpu", "memory", "pids"])?.version == .v2)
        }
        #expect(CgroupSettings.mount(for: "pids", in: unifiedOnly, unifiedControllers: ["memory"]) == nil)

        // cpu and cpuacct mounted together are one hierarchy.
        let together = CgroupSettings.mounts(inMountinfo: "27 26 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n")
        #expect(together.first?.controllers == ["cpu", "cpuacct"])
    }

    @Test("the parent directory: own cgroup, or --cgroup-parent absolute from the root or relative to PID 1's")
    func parents() {
        let mount = CgroupSettings.Mount(mountPoint: "/sys/fs/cgroup/memory", root: "/", version: .v1, controllers: ["memory"])
        #expect(CgroupSettings.directory(of: "/", in: mount) == "/sys/fs/cgroup/memory")
        #expect(CgroupSettings.directory(of: "/a/b", in: mount) == "/sys/fs/cgroup/memory/a/b")
        let namespaced = CgroupSettings.Mount(mountPoint: "/sys/fs/cgroup", root: "/kubepods/pod1", version: .v2, controllers: [])
        #expect(CgroupSettings.directory(of: "/kubepods/pod1/job", in: namespaced) == "/sys/fs/cgroup/job")
        #expect(CgroupSettings.parentPath(cgroupParent: nil, ownPath: "/user/me", initPath: "/") == "/user/me")
        #expect(CgroupSettings.parentPath(cgroupParent: "/ci/builds", ownPath: "/user/me", initPath: "/init") == "/ci/builds")
        #expect(CgroupSettings.parentPath(cgroupParent: "ci", ownPath: "/user/me", initPath: "/init.scope") == "/init.scope/ci")
        #expect(CgroupSettings.parentPath(cgroupParent: "ci", ownPath: "/user/me", initPath: "/") == "/ci")
        for bad in ["", "/", "a/../b", "..", "./a", "a\u{0}b"] {
            #expect(!CgroupSettings.isValidParent(bad), "\(bad)")
        }
        #expect(CgroupSettings.isValidParent("ci/builds") && CgroupSettings.isValidParent("/ci"))
    }

    @Test("usage from v1 files: peak, cpuacct nanoseconds, oom_kill, pids max events")
    func v1Usage() {
        let usage = CgroupSettings.usage(
            files: [
                "memory.max_usage_in_bytes": "36700160\n", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
                "memory.failcnt": "12\n", "cpuacct.usage": "812345678\n", "pids.events": "max 3\n"
            ], killedBySignal9: false)
        #expect(usage.peakMemory == 36_700_160)
        #expect(usage.cpuTime == .nanoseconds(812_345_678))
        #expect(usage.outOfMemoryKills == 1)
        #expect(usage.pidsLimitHits == 3)
        #expect(usage.summary == "peak 35 MiB, cpu 0.81s")
        // A kernel without the oom_kill count: a SIGKILL after the limit was hit.
        let old = ["memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n", "memory.failcnt": "5\n"]
        #expect(CgroupSettings.usage(files: old, killedBySignal9: true).outOfMemoryKills == 1)
        #expect(CgroupSettings.usage(files: old, killedBySignal9: false).outOfMemoryKills == 0)
    }

    @Test("usage from v2 files: memory.peak, cpu.stat usage_usec, memory.events oom_kill")
    func v2Usage() {
        let usage = CgroupSettings.usage(
            files: [
                "memory.peak": "1048576\n", "memory.events": "low 0\nhigh 0\nmax 9\noom 1\noom_kill 2\noom_group_kill 0\n",
                "cpu.stat": "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n", "pids.events": "max 0\n"
            ], killedBySignal9: false)
        #expect(usage.peakMemory == 1 << 20)
        #expect(usage.cpuTime == .microseconds(1_500_000))
        #expect(usage.outOfMemoryKills == 2)
        #expect(usage.pidsLimitHits == 0)
        #expect(usage.summary == "peak 1 MiB, cpu 1.50s")
        #expect(StepUsage().summary == nil)
    }
}
