import Foundation
import Glibc
import Testing

@testable import Sandbox

/// The layers that confine a step beyond its namespaces: nodev, the devices cgroup, the
/// seccomp filter, capabilities, the session keyring and the init's identity. Each test
/// asks the kernel (through busybox) what the step may do.
@Suite("Step confinement", .enabled(if: isRoot, "the sandbox needs root"))
struct SandboxSecurityTests {
    let scratch: Scratch
    let root: String

    init() throws {
        scratch = try Scratch()
        root = try scratch.directory("root")
        try TestRoot.busybox(at: root)
        for applet in ["unshare", "mknod", "readlink", "dd", "od"] {
            try FileManager.default.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
    }

    static let hasDevicesCgroup = FileManager.default.fileExists(atPath: DevicesCgroup.hierarchy + "/devices.allow")

    /// The effective capabilities of the step's shell, from /proc/self/status.
    func effectiveCapabilities(_ configure: (inout SandboxConfiguration) -> Void = { _ in }) async throws -> UInt64 {
        var configuration = shell("grep CapEff /proc/self/status", in: root)
        configure(&configuration)
        let result = try await runStep(configuration, scratch: scratch)
        let hex = result.output.split(separator: "\t").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        return try #require(UInt64(hex, radix: 16), "\(result.output)")
    }

    @Test("a block device node in the root opens nothing, even for a step with every capability")
    func deviceNodeInRoot() async throws {
        // /dev/zero's numbers as a block device are meaningless; a character node for
        // /dev/mem (1:1) is a real host device: neither may open.
        #expect(mknod(root + "/hostmem", S_IFCHR | 0o666, dev_t((1 << 8) | 1)) == 0)
        for security in [SandboxSecurity.sandboxed, .insecure] {
            var configuration = shell("dd if=/hostmem bs=1 count=1 2>&1 | grep -o 'Permission denied'; echo done", in: root)
            configuration.security = security
            let result = try await runStep(configuration, scratch: scratch)
            #expect(result.output == "Permission denied\ndone\n", "\(security)")
        }
    }

    @Test(
        "the devices cgroup refuses a node made in /dev (the tmpfs that must allow devices)",
        .enabled(if: hasDevicesCgroup, "needs the cgroup v1 devices controller"))
    func devicesCgroup() async throws {
        var configuration = shell("mknod /dev/hostmem c 1 1 2>&1; echo null >/dev/null && head -c 3 /dev/zero | wc -c", in: root)
        configuration.security = .insecure  // CAP_MKNOD
        let result = try await runStep(configuration, scratch: scratch)
        #expect(result.output == "mknod: /dev/hostmem: Operation not permitted\n3\n")
    }

    @Test("seccomp refuses namespaces and keyctl; insecure lifts it")
    func seccomp() async throws {
        let script = "unshare -U true 2>&1 | grep -o 'Operation not permitted'; unshare -m true && echo unshared"
        let confined = try await runStep(shell(script, in: root), scratch: scratch)
        #expect(
            confined.output.hasPrefix("Operation not permitted\n") && !confined.output.contains("unshared"),
            "\(confined.output)")
        var insecure = shell(script, in: root)
        insecure.security = .insecure
        let lifted = try await runStep(insecure, scratch: scratch)
        #expect(lifted.output == "unshared\n", "\(lifted.output)")
    }

    @Test("CAP_NET_RAW only in a private network; insecure keeps every capability")
    func capabilities() async throws {
        let netRaw: UInt64 = 1 << 13, sysAdmin: UInt64 = 1 << 21, mknod: UInt64 = 1 << 27, chown: UInt64 = 1
        let host = try await effectiveCapabilities()
        #expect(host & netRaw == 0 && host & chown != 0 && host & sysAdmin == 0 && host & mknod == 0)
        let privateNetwork = try await effectiveCapabilities { $0.network = .none }
        #expect(privateNetwork == host | netRaw)
        let insecure = try await effectiveCapabilities { $0.security = .insecure }
        #expect(insecure & sysAdmin != 0 && insecure & netRaw != 0 && insecure & mknod != 0)
    }

    @Test("PID 1 is the tiny init: command line 'init', no environment, a sealed memfd")
    func initIdentity() async throws {
        var configuration = shell(
            "tr '\\0' ' ' </proc/1/cmdline; echo; wc -c </proc/1/environ; readlink /proc/1/exe; "
                + "echo x >>/proc/1/exe || echo sealed", in: root)
        configuration.security = .insecure  // to read /proc/1/environ and exe of a non-dumpable init
        let result = try await runStep(configuration, scratch: scratch)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "init ")
        #expect(lines.dropFirst().first == "0")
        #expect(lines.dropFirst(2).first == "/memfd:init (deleted)")
        #expect(lines.last == "sealed", "\(result.output)")
        let plain = try await runStep(shell("readlink /proc/1/exe || echo refused", in: root), scratch: scratch)
        #expect(plain.output.hasSuffix("refused\n"), "\(plain.output)")
    }

    /// The cgroup v2 hierarchy: the only one, or the unified one of a hybrid host.
    static let unifiedHierarchy = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        .first { FileManager.default.fileExists(atPath: $0 + "/cgroup.procs") && !FileManager.default.fileExists(atPath: $0 + "/tasks") }

    @Test(
        "cgroup v2: the eBPF device program allows /dev's standard nodes and refuses others",
        .enabled(if: unifiedHierarchy != nil, "needs a cgroup v2 hierarchy"))
    func unifiedDeviceFilter() throws {
        let path = Self.unifiedHierarchy! + "/swiftbuild-devices-test-\(getpid())"
        #expect(mkdir(path, 0o755) == 0)
        try DevicesCgroup.configure(path, version: .v2)
        // A host shell (root, every capability) joins the cgroup: /dev/kmsg (1:11) opens for
        // it anywhere else.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c",
            """
            echo $$ > '\(path)/cgroup.procs' || exit 9
            dd if=/dev/kmsg of=/dev/null count=0 2>&1 | grep -o 'Operation not permitted'
            dd if=/dev/zero of=/dev/null count=1 2>/dev/null && echo zero-ok
            """
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(rmdir(path) == 0)
        #expect(text == "Operation not permitted\nzero-ok\n")
        let outside = try hostCommandStatus(["dd", "if=/dev/kmsg", "of=/dev/null", "count=0"])
        #expect(outside == 0, "/dev/kmsg does not open on this host at all")
    }

    @Test("the devices cgroup's parent comes from /proc/self/cgroup")
    func cgroupParent() {
        let content = "12:pids:/user.slice\n5:cpu,devices:/system.slice/ssh.service\n0::/user.slice\n"
        #expect(DevicesCgroup.parentPath(inProcCgroup: content) == "/system.slice/ssh.service")
        #expect(DevicesCgroup.parentPath(inProcCgroup: "0::/\n") == nil)
        #expect(DevicesCgroup.parentPath(inProcCgroup: content, controller: "") == "/user.slice")
        #expect(DevicesCgroup.stalePid("swiftbuild-123-4") == 123)
        #expect(DevicesCgroup.stalePid("swiftbuild-123") == nil)
        #expect(DevicesCgroup.stalePid("other-123-4") == nil)
    }

    @Test(
        "the cgroup of a swiftbuild killed with SIGKILL is removed by the next one",
        .enabled(if: hasDevicesCgroup, "needs the cgroup v1 devices controller"))
    func staleCgroup() async throws {
        // A pid that is gone: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let own = DevicesCgroup.parentPath(inProcCgroup: try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "/"
        let stale = DevicesCgroup.hierarchy + (own == "/" ? "" : own) + "/swiftbuild-\(child.processIdentifier)-1"
        #expect(mkdir(stale, 0o755) == 0)
        defer { rmdir(stale) }
        // A swiftbuild sweeps on its first step; this process's first step may have run
        // already, so the sweep is called directly.
        DevicesCgroup.removeStale(in: (stale as NSString).deletingLastPathComponent)
        #expect(!FileManager.default.fileExists(atPath: stale))
    }
}

/// Runs `arguments` on the host and returns its exit status.
private func hostCommandStatus(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
