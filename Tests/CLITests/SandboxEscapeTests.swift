import Foundation
import Glibc
import Testing

/// RUN steps that try to leave the sandbox or read the host's secrets, end to end through
/// `swiftbuild build`: device nodes from a base image, namespaces and mounts (seccomp),
/// the host's keyring, swiftbuild's own command line and binary behind /proc/1, raw sockets
/// on the host's network, and `RUN --security=insecure`. Each step runs a small static
/// probe (compiled by the test with gcc) that prints what the kernel said.
@Suite("Sandbox escapes", .enabled(if: ExternalTool.isRoot, "RUN needs root for namespaces and overlay mounts"))
struct SandboxEscapeTests {
    let work: URL
    let store: URL
    /// The static probe, built once per test.
    let probe: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let source = work.appendingPathComponent("probe.c")
        try Data(Self.probeSource.utf8).write(to: source)
        probe = work.appendingPathComponent("probe")
        try ExternalTool.run(["gcc", "-static", "-O2", "-o", probe.path, source.path])
    }

    /// What a step's probe prints: `NAME: ok [detail]` or `NAME: ERRNO` (strerrorname_np).
    static let probeSource = #"""
        #define _GNU_SOURCE
        #include <arpa/inet.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <linux/keyctl.h>
        #include <linux/if_ether.h>
        #include <sched.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/mount.h>
        #include <sys/socket.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        static int show(const char *name, long result, const char *detail) {
            if (result < 0) { printf("%s: %s\n", name, strerrorname_np(errno)); return 1; }
            printf("%s: ok%s%s\n", name, detail[0] ? " " : "", detail);
            return 0;
        }

        int main(int argc, char **argv) {
            const char *what = argv[1];
            char buffer[256] = "";
            if (!strcmp(what, "unshare-user")) return show(what, unshare(CLONE_NEWUSER), "");
            if (!strcmp(what, "unshare-mount")) return show(what, unshare(CLONE_NEWNS), "");
            if (!strcmp(what, "mount-tmpfs")) return show(what, mount("none", "/tmp", "tmpfs", 0, NULL), "");
            if (!strcmp(what, "packet-socket")) return show(what, socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), "");
            if (!strcmp(what, "euid")) { snprintf(buffer, sizeof buffer, "%d", (int)geteuid()); return show(what, 0, buffer); }
            if (!strcmp(what, "keyctl") || !strcmp(what, "keyctl-session")) {
                long keyring = !strcmp(what, "keyctl") ? KEY_SPEC_USER_KEYRING : KEY_SPEC_SESSION_KEYRING;
                long key = syscall(SYS_keyctl, KEYCTL_SEARCH, keyring, "user", argv[2], 0);
                if (key < 0) return show(what, key, "");
                long length = syscall(SYS_keyctl, KEYCTL_READ, key, buffer, sizeof buffer - 1);
                if (length >= 0) buffer[length] = 0;
                return show(what, length, buffer);
            }
            if (!strcmp(what, "read-device")) {
                int fd = open(argv[2], O_RDONLY);
                if (fd < 0) return show(what, fd, "");
                long length = read(fd, buffer, sizeof buffer - 1);
                if (length >= 0) buffer[length] = 0;
                return show(what, length, buffer);
            }
            if (!strcmp(what, "write-device")) {
                int fd = open(argv[2], O_WRONLY);
                if (fd < 0) return show(what, fd, "");
                return show(what, write(fd, "OVERWRITTEN", 11), "");
            }
            printf("unknown probe %s\n", what);
            return 2;
        }
        """#

    /// A build's outcome, and the pid swiftbuild had (its cgroups are named after it).
    struct Build {
        var status: Int32
        var output: String
        var pid: Int32
    }

    /// Builds `dockerfile` with the probe in the context, in a fresh context directory;
    /// `environment` is added to swiftbuild's own; `launcher` runs swiftbuild (its path and
    /// arguments follow).
    func build(
        _ dockerfile: String, arguments: [String] = [], environment: [String: String] = [:],
        launcher: [String] = []
    ) throws -> Build {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        try FileManager.default.copyItem(at: probe, to: context.appendingPathComponent("probe"))
        let process = Process()
        let command =
            [SwiftBuildProcess.binary.path, "build", "--root", store.path, "--progress", "plain"]
            + arguments + [context.path]
        process.executableURL = URL(fileURLWithPath: launcher.isEmpty ? command[0] : "/usr/bin/env")
        process.arguments = launcher.isEmpty ? Array(command.dropFirst()) : launcher + command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let build = Build(
            status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
            pid: process.processIdentifier)
        try expectNothingLeftBehind(by: build.pid)
        return build
    }

    /// No devices cgroup of swiftbuild `pid` remains, and no mount of the test's store.
    func expectNothingLeftBehind(by pid: Int32) throws {
        #expect(try Self.devicesCgroups(of: pid).isEmpty, "cgroups left behind")
        let mounts = try String(contentsOfFile: "/proc/1/mountinfo", encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(work.path) }
        #expect(mounts.isEmpty, "mounts left behind: \(mounts)")
    }

    /// The devices cgroups named after swiftbuild `pid`, anywhere in the v1 hierarchy.
    static func devicesCgroups(of pid: Int32) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: "/sys/fs/cgroup/devices") else { return [] }
        return walker.compactMap { $0 as? String }.filter { ($0 as NSString).lastPathComponent.hasPrefix("swiftbuild-\(pid)-") }
    }

    /// The lines a step printed for `probe` in the plain progress output.
    func probeLines(_ output: String, _ probe: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            line.range(of: "\(probe): ").map { String(line[$0.lowerBound...]) }
        }
    }

    // MARK: - (a) device nodes

    /// A base image whose layer holds a block device node for a loop device over a file with
    /// a known content: a step can neither read nor write it.
    @Test func deviceNodeFromBaseImageIsInert() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let backing = work.appendingPathComponent("sentinel.img")
        let secret = "loop-sentinel-\(UUID().uuidString)"
        try Data((secret + String(repeating: "\n", count: 4096 - secret.utf8.count)).utf8).write(to: backing)
        let loop = try ExternalTool.run(["losetup", "--find", "--show", backing.path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? ExternalTool.run(["losetup", "--detach", loop]) }
        // The loop device's numbers, in hex as stat(1) prints them.
        let numbers = try ExternalTool.run(["stat", "-c", "%t %T", loop]).split(separator: " ")
            .map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) }
        let (major, minor) = (try #require(numbers.first ?? nil), try #require(numbers.last ?? nil))

        let layout = work.appendingPathComponent("layout")
        try ExternalTool.run([
            "python3", "-c", Self.deviceLayoutScript, layout.path, "/bin/busybox", probe.path,
            "\(major)", "\(minor)"
        ])
        let load = try SwiftBuildProcess.run(["load", "-i", layout.path, "--root", store.path])
        #expect(load.status == 0, "\(load.standardError)")

        for security in ["", "--security=insecure "] {
            let result = try build(
                """
                FROM hostile:device
                RUN \(security)/probe read-device /hostdisk; /probe write-device /hostdisk; /bin/busybox dd if=/hostdisk bs=64 count=1; true
                """, arguments: security.isEmpty ? [] : ["--allow", "security.insecure"])
            #expect(result.status == 0, "\(result.output)")
            #expect(probeLines(result.output, "read-device") == ["read-device: EACCES"], "\(result.output)")
            #expect(probeLines(result.output, "write-device") == ["write-device: EACCES"], "\(result.output)")
            #expect(!result.output.contains(secret), "a step read the host's loop device: \(result.output)")
        }
        let after = try String(contentsOf: backing, encoding: .utf8)
        #expect(after.hasPrefix(secret + "\n"), "the host's loop device was written")
        #expect(!after.contains("OVERWRITTEN"))
    }

    /// With every capability (insecure), a step may create device nodes in its /dev tmpfs,
    /// which has to allow devices: the devices cgroup still refuses a host disk there.
    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/devices/devices.allow"),
            "needs the cgroup v1 devices controller"))
    func devicesCgroupRefusesNodesMadeInDev() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            COPY probe /probe
            RUN --security=insecure mknod /dev/hostdisk b 7 0; /probe read-device /dev/hostdisk; /probe read-device /dev/zero | wc -c
            """, arguments: ["--allow", "security.insecure"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("mknod: /dev/hostdisk: Operation not permitted"), "\(result.output)")
        #expect(probeLines(result.output, "read-device") == ["read-device: ENOENT"], "\(result.output)")
    }

    /// An OCI layout tagged hostile:device: busybox, the probe, and /hostdisk, a block device
    /// node with the given major and minor numbers.
    static let deviceLayoutScript = #"""
        import hashlib, io, json, os, sys, tarfile
        root, busybox, probe, major, minor = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        def sha(data): return "sha256:" + hashlib.sha256(data).hexdigest()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, path in [("bin/busybox", busybox), ("probe", probe)]:
                data = open(path, "rb").read()
                info = tarfile.TarInfo(name); info.size = len(data); info.mode = 0o755
                tar.addfile(info, io.BytesIO(data))
            data = b"root:x:0:0:root:/:/bin/sh\n"
            info = tarfile.TarInfo("etc/passwd"); info.size = len(data); info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
            info = tarfile.TarInfo("bin/sh"); info.type = tarfile.SYMTYPE; info.linkname = "busybox"
            tar.addfile(info)
            info = tarfile.TarInfo("hostdisk"); info.type = tarfile.BLKTYPE; info.mode = 0o666
            info.devmajor, info.devminor = major, minor
            tar.addfile(info)
        layer = buffer.getvalue()
        os.makedirs(os.path.join(root, "blobs", "sha256"))
        def blob(data):
            open(os.path.join(root, "blobs", "sha256", sha(data)[7:]), "wb").write(data)
            return {"digest": sha(data), "size": len(data)}
        config = json.dumps({"architecture": "amd64" if os.uname().machine == "x86_64" else "arm64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [sha(layer)]},
                             "config": {"Env": ["PATH=/bin"]}}).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **blob(config)),
                               "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar", **blob(layer))]}).encode()
        entry = dict(mediaType="application/vnd.oci.image.manifest.v1+json", **blob(manifest))
        entry["annotations"] = {"org.opencontainers.image.ref.name": "hostile:device"}
        json.dump({"schemaVersion": 2, "manifests": [entry]}, open(os.path.join(root, "index.json"), "w"))
        json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(root, "oci-layout"), "w"))
        """#

    // MARK: - (b) seccomp, (e) raw sockets, (f) insecure

    @Test func seccompRefusesNamespacesAndMountsButOrdinaryStepsWork() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            COPY probe /probe
            RUN /probe unshare-user; /probe unshare-mount; /probe mount-tmpfs; unshare -U true || echo unshare-applet-failed; touch /ran-1
            RUN cp /probe /setuid-probe && chmod 4755 /setuid-probe && echo data > /file && chmod 600 /file \\
                && chown nobody /file && ls -l /file && cat /file && sh -c 'echo subshell'
            USER nobody
            RUN /probe euid; /setuid-probe euid
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(probeLines(result.output, "unshare-user") == ["unshare-user: EPERM"])
        #expect(probeLines(result.output, "unshare-mount") == ["unshare-mount: EPERM"])
        #expect(probeLines(result.output, "mount-tmpfs") == ["mount-tmpfs: EPERM"])
        #expect(result.output.contains("unshare-applet-failed"))
        #expect(result.output.contains("nobody") && result.output.contains("subshell"))
        // Setuid programs still gain their owner's id: the filter does not set no_new_privs.
        #expect(probeLines(result.output, "euid") == ["euid: ok 65534", "euid: ok 0"], "\(result.output)")
    }

    @Test func rawSocketsOnlyInAPrivateNetwork() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            COPY probe /probe
            RUN /probe packet-socket; touch /ran-1
            RUN --network=none /probe packet-socket
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(
            probeLines(result.output, "packet-socket") == ["packet-socket: EPERM", "packet-socket: ok"],
            "\(result.output)")
    }

    @Test func insecureNeedsTheEntitlementAndLiftsSeccompAndCapabilities() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox
            COPY probe /probe
            RUN --security=insecure /probe unshare-user; /probe packet-socket; true
            """
        let refused = try build(dockerfile)
        #expect(refused.status == 1)
        #expect(
            refused.output.contains(
                "Dockerfile:3: RUN --security=insecure /probe unshare-user; /probe packet-socket; true: "
                    + "the entitlement security.insecure is not allowed (pass --allow security.insecure)\n"),
            "\(refused.output)")
        let allowed = try build(dockerfile, arguments: ["--allow", "security.insecure"])
        #expect(allowed.status == 0, "\(allowed.output)")
        #expect(probeLines(allowed.output, "unshare-user") == ["unshare-user: ok"], "\(allowed.output)")
        #expect(probeLines(allowed.output, "packet-socket") == ["packet-socket: ok"], "\(allowed.output)")
        let unknown = try SwiftBuildProcess.run(["build", "--allow", "network.everything", "--root", store.path, work.path])
        #expect(unknown.status != 0)
    }

    // MARK: - (c) keyring

    @Test func hostKeyringIsOutOfReach() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let name = "swiftbuild-test-\(UUID().uuidString.prefix(8))"
        let secret = "keyring-sentinel-\(UUID().uuidString)"
        let key = try ExternalTool.run(["keyctl", "add", "user", name, secret, "@u"]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? ExternalTool.run(["keyctl", "unlink", key, "@u"]) }
        // The key is there for the host's root.
        #expect(try ExternalTool.run(["keyctl", "pipe", key]) == secret)
        let result = try build(
            """
            FROM busybox
            COPY probe /probe
            RUN /probe keyctl \(name); cat /proc/keys; true
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(probeLines(result.output, "keyctl") == ["keyctl: EPERM"], "\(result.output)")
        #expect(!result.output.contains(secret) && !result.output.contains(name + "\n"))
    }

    /// swiftbuild's own session keyring (here, one holding a key, as a host service's
    /// might) is not the step's: even without the seccomp filter (insecure), the step's
    /// session keyring is a new, empty one.
    @Test func sessionKeyringIsNotInherited() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let name = "swiftbuild-session-\(UUID().uuidString.prefix(8))"
        let secret = "session-sentinel-\(UUID().uuidString)"
        let launcher = [
            "keyctl", "session", "-", "sh", "-c",
            "keyctl add user \(name) \(secret) @s >/dev/null && keyctl search @s user \(name) >/dev/null "
                + "&& echo key-in-session && exec \"$@\"", "sh"
        ]
        let result = try build(
            """
            FROM busybox
            COPY probe /probe
            RUN --security=insecure /probe keyctl-session \(name); touch /ran
            """, arguments: ["--allow", "security.insecure"], launcher: launcher)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("key-in-session\n"), "\(result.output)")
        #expect(probeLines(result.output, "keyctl-session") == ["keyctl-session: ENOKEY"], "\(result.output)")
        #expect(!result.output.contains(secret))
    }

    // MARK: - (d) PID 1

    @Test func pid1ShowsNeitherSwiftbuildsArgumentsNorItsBinary() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let argument = "sentinel-value-\(UUID().uuidString.prefix(8))"
        let environment = "environment-sentinel-\(UUID().uuidString.prefix(8))"
        let result = try build(
            """
            FROM busybox
            ARG SECRET_ARG
            COPY probe /probe
            RUN touch /ran-1; echo "own:$SECRET_ARG" | wc -c; echo "cmdline:$(tr '\\0' ' ' < /proc/1/cmdline)"; echo "exe:$(readlink /proc/1/exe)"
            RUN --security=insecure touch /ran-2; echo "environ:$(tr '\\0' ' ' < /proc/1/environ)"; echo "exe:$(readlink /proc/1/exe)"; \\
                echo "size:$(wc -c < /proc/1/exe)"
            """, arguments: ["--build-arg", "SECRET_ARG=\(argument)", "--allow", "security.insecure"],
            environment: ["SWIFTBUILD_TEST_SECRET": environment])
        #expect(result.status == 0, "\(result.output)")
        // The step has the ARG (the Dockerfile asks for it), PID 1 does not.
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasSuffix("\(("own:" + argument).utf8.count + 1)") }, "\(result.output)")
        #expect(!result.output.contains(argument), "the build argument leaked: \(result.output)")
        #expect(!result.output.contains(environment), "swiftbuild's environment leaked: \(result.output)")
        #expect(lines.contains { $0.hasSuffix("cmdline:init ") }, "\(result.output)")
        #expect(lines.contains { $0.hasSuffix("environ:") }, "\(result.output)")
        #expect(lines.contains { $0.hasSuffix("exe:/memfd:init (deleted)") }, "\(result.output)")
        #expect(!result.output.contains("exe:" + SwiftBuildProcess.binary.path), "\(result.output)")
        let size = lines.lazy.compactMap { line in
            line.range(of: "size:").flatMap { Int(line[$0.upperBound...].trimmingCharacters(in: .whitespaces)) }
        }.first
        #expect(size.map { $0 < 4096 } == true, "PID 1's executable is not the tiny init: \(result.output)")
    }

    /// A root with nothing but a static busybox still runs steps (the init needs no libc).
    @Test func scratchRootWithStaticBusybox() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = work.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: context.appendingPathComponent("busybox").path)
        try Data("root:x:0:0:root:/:/busybox\n".utf8).write(to: context.appendingPathComponent("passwd"))
        try Data(
            """
            FROM scratch
            COPY busybox /busybox
            COPY passwd /etc/passwd
            RUN ["/busybox", "sh", "-c", "/busybox echo scratch-ok cmdline-bytes:$(/busybox cat /proc/1/cmdline | /busybox wc -c)"]
            """.utf8
        ).write(to: context.appendingPathComponent("Dockerfile"))
        let result = try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain", context.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("scratch-ok cmdline-bytes:5\n"), "\(result.standardError)")
    }

    // MARK: - cancellation

    /// SIGINT during a RUN: swiftbuild stops, and no cgroup or mount remains.
    @Test func interruptedBuildLeavesNothingBehind() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = work.appendingPathComponent("interrupted")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(
            """
            FROM busybox
            RUN echo step-$((1 + 1))-started; sleep 1000
            """.utf8
        ).write(to: context.appendingPathComponent("Dockerfile"))
        let process = Process()
        process.executableURL = SwiftBuildProcess.binary
        process.arguments = ["build", "--root", store.path, "--progress", "plain", context.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        // The step's own output (the command line as printed says "$((1 + 1))").
        while !String(decoding: seen, as: UTF8.self).contains("step-2-started") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(
            try !Self.devicesCgroups(of: process.processIdentifier).isEmpty
                || !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/devices/devices.allow"),
            "the running step has its devices cgroup")
        kill(process.processIdentifier, SIGINT)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        try expectNothingLeftBehind(by: process.processIdentifier)
    }
}
