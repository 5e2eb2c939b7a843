import Foundation
import Glibc
import Testing

@testable import Sandbox

/// The step's cgroups on this host's real hierarchies, through the sandbox: what they
/// measure, the out-of-memory and process-limit counts, an absolute `--cgroup-parent`.
@Suite(
    "Step cgroups", .enabled(if: isRoot, "the sandbox needs root"),
    .enabled(if: hasV1StepControllers, "needs memory, pids and cpuacct as v1 hierarchies"))
struct StepCgroupTests {
    let scratch: Scratch
    let root: String

    init() throws {
        scratch = try Scratch()
        root = try scratch.directory("root")
        try TestRoot.busybox(at: root)
        try FileManager.default.createSymbolicLink(atPath: root + "/bin/dd", withDestinationPath: "busybox")
    }

    func execute(_ configuration: SandboxConfiguration) async throws -> SandboxResult {
        let fd = open(scratch.path + "/output", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(fd) }
        return try await Sandbox.execute(configuration, output: fd)
    }

    @Test("peak memory and CPU time are the step's own")
    func usage() async throws {
        // A 48 MiB buffer filled from /dev/zero, then a shell loop that only burns CPU.
        let result = try await execute(
            shell("dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done", in: root))
        #expect(result.status == .exited(0))
        #expect((result.usage.peakMemory ?? 0) >= 48 << 20, "\(result.usage)")
        #expect((result.usage.cpuTime ?? .zero) > .zero, "\(result.usage)")
        #expect(result.usage.outOfMemoryKills == 0 && result.usage.pidsLimitHits == 0)
    }

    @Test("the OOM killer and the process limit are counted, and an absolute --cgroup-parent is made and removed")
    func limitsHit() async throws {
        let parent = "/step-cgroup-test-\(getpid())/nested"
        var configuration = shell("dd if=/dev/zero of=/dev/null bs=100M count=1", in: root)
        configuration.cgroupLimits.memory = 32 << 20
        configuration.cgroupParent = parent
        let oom = try await execute(configuration)
        #expect(oom.status == .signaled(SIGKILL) || oom.status == .exited(137), "\(oom.status)")
        #expect(oom.usage.outOfMemoryKills >= 1, "\(oom.usage)")

        var forks = shell("i=0; while [ $i -lt 40 ]; do sleep 1000 & i=$((i+1)); done", in: root)
        try forks.cgroupLimits.setPidsLimit(16)
        forks.cgroupParent = parent
        let limited = try await execute(forks)
        #expect(limited.status != .exited(0))
        #expect(limited.usage.pidsLimitHits >= 1, "\(limited.usage)")

        for hierarchy in ["memory", "pids", "cpuacct", "devices"] {
            let top = "/sys/fs/cgroup/\(hierarchy)/step-cgroup-test-\(getpid())"
            #expect(!FileManager.default.fileExists(atPath: top), "\(top) stays")
        }
    }
}

let hasV1StepControllers = ["memory", "pids", "cpuacct"].allSatisfy {
    FileManager.default.fileExists(atPath: "/sys/fs/cgroup/\($0)/tasks")
}
