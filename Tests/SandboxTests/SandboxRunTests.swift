import Foundation
import Glibc
import Sandbox
import Testing

@Suite("Running steps", .enabled(if: isRoot, "the sandbox needs root"))
struct SandboxRunTests {
    let scratch: Scratch
    let root: String

    init() throws {
        scratch = try Scratch()
        root = try scratch.directory("root")
        try TestRoot.busybox(at: root)
    }

    @Test("exit codes: 0, 3, a missing command in the shell, a signal")
    func exitCodes() async throws {
        #expect(try await runStep(shell("exit 0", in: root), scratch: scratch).status == .exited(0))
        #expect(try await runStep(shell("exit 3", in: root), scratch: scratch).status == .exited(3))
        let missing = try await runStep(shell("no-such-command", in: root), scratch: scratch)
        #expect(missing.status == .exited(127))
        #expect(try await runStep(shell("kill -9 $$", in: root), scratch: scratch).status == .signaled(SIGKILL))
    }

    @Test("a command that cannot be executed is an error naming it, with the shell's code")
    func execFailures() async throws {
        for (command, code) in [("/no/such/program", Int32(127)), ("no-such-program", 127), ("/etc", 126)] {
            var configuration = shell("", in: root)
            configuration.arguments = [command]
            if command == "/etc" { try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true) }
            let error = await #expect(throws: SandboxError.self) { try await runStep(configuration, scratch: scratch) }
            #expect(error?.exitCode == code)
            if command == "/no/such/program" {
                #expect(error?.description == "exec /no/such/program: no such file or directory")
            }
        }
    }

    @Test("stdout and stderr go to the output; stdin is /dev/null")
    func output() async throws {
        let result = try await runStep(shell("echo out; echo err >&2; cat; echo end", in: root), scratch: scratch)
        #expect(result.output == "out\nerr\nend\n")
    }

    @Test("the step is PID 2 under the init, and /proc shows only the sandbox's processes")
    func pidNamespace() async throws {
        let result = try await runStep(
            shell("echo $$; cat /proc/1/stat | tr ' ' '\\n' | sed -n 4p; ls -d /proc/[0-9]*", in: root),
            scratch: scratch)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "2")
        let pids = lines.dropFirst().compactMap { $0.hasPrefix("/proc/") ? Int($0.dropFirst(6)) : nil }
        #expect(pids.contains(1) && pids.contains(2))
        #expect(pids.allSatisfy { $0 <= 4 }, "only the init, the shell and its commands: \(pids)")
    }

    @Test("host name and /etc/hosts")
    func hostname() async throws {
        var configuration = shell("hostname; cat /etc/hosts", in: root)
        configuration.hostname = "step-host"
        configuration.extraHosts = [HostEntry(name: "db", address: "10.0.0.7")]
        let result = try await runStep(configuration, scratch: scratch)
        #expect(
            result.output == """
                step-host
                127.0.0.1\tlocalhost step-host
                ::1\tlocalhost ip6-localhost ip6-loopback
                10.0.0.7\tdb

                """)
        let fallback = try await runStep(shell("hostname", in: root), scratch: scratch)
        #expect(fallback.output == SandboxConfiguration.defaultHostname + "\n")
    }

    /// BuildKit mounts nothing on /etc/hostname: a step sees the image's file (or none) and
    /// may write it into its layer; the host name stays the sandbox's.
    @Test("/etc/hostname is the image's own file, writable by the step")
    func hostnameFileIsTheImages() async throws {
        let missing = try await runStep(
            shell("cat /etc/hostname || echo none; echo written > /etc/hostname; hostname", in: root),
            scratch: scratch)
        #expect(missing.status == .exited(0))
        #expect(missing.output.hasSuffix("none\n" + SandboxConfiguration.defaultHostname + "\n"), "\(missing.output)")
        #expect(try String(contentsOfFile: root + "/etc/hostname", encoding: .utf8) == "written\n")
        let seen = try await runStep(shell("cat /etc/hostname; echo again >> /etc/hostname", in: root), scratch: scratch)
        #expect(seen.output == "written\n")
        #expect(try String(contentsOfFile: root + "/etc/hostname", encoding: .utf8) == "written\nagain\n")
        #expect(try mounts(under: root).isEmpty)
    }

    @Test("network none: only lo, and it is up; host network: the host's interfaces")
    func network() async throws {
        var isolated = shell("ls /sys/class/net; cat /sys/class/net/lo/flags", in: root)
        isolated.network = .none
        #expect(try await runStep(isolated, scratch: scratch).output == "lo\n0x9\n")
        let host = try await runStep(shell("ls /sys/class/net", in: root), scratch: scratch)
        let hostInterfaces = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").sorted()
        #expect(host.output.split(separator: "\n").map(String.init) == hostInterfaces)
    }

    @Test("user, group and supplementary groups")
    func credentials() async throws {
        var configuration = shell("id -u; id -g; id -G", in: root)
        configuration.uid = 1000
        configuration.gid = 1001
        configuration.supplementaryGroups = [10, 20]
        let result = try await runStep(configuration, scratch: scratch)
        #expect(result.output == "1000\n1001\n1001 10 20\n")
    }

    @Test("the working directory is created, owned by the step's user")
    func workingDirectory() async throws {
        var configuration = shell("pwd; touch mine", in: root)
        configuration.workingDirectory = "/work/dir"
        configuration.uid = 1000
        configuration.gid = 1000
        let result = try await runStep(configuration, scratch: scratch)
        #expect(result.output == "/work/dir\n")
        #expect(result.status == .exited(0))
        for path in ["/work", "/work/dir", "/work/dir/mine"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + path)
            #expect(attributes[.ownerAccountID] as? Int == 1000, "\(path)")
        }
    }

    @Test("the environment is exactly the configured one")
    func environment() async throws {
        var configuration = shell("env", in: root)
        configuration.environment = ["PATH=/bin", "GREETING=hello world"]
        let variables = try await runStep(configuration, scratch: scratch).output.split(separator: "\n").map(String.init)
        #expect(variables.contains("GREETING=hello world"))
        #expect(variables.contains("PATH=/bin"))
        #expect(!variables.contains { $0.hasPrefix("HOME=") })
    }

    @Test("a setup failure names the operation, the path, the root and the error")
    func setupFailure() async throws {
        try Data().write(to: URL(fileURLWithPath: root + "/proc"))
        let error = await #expect(throws: SandboxError.self) { try await runStep(shell("true", in: root), scratch: scratch) }
        #expect(error?.description == "mount proc on /proc in \(root): ENOTDIR (not a directory)")
        #expect(try mounts(under: root).isEmpty)
    }

    @Test("orphans are reaped, and background processes do not keep the step alive")
    func zombies() async throws {
        // The last background process would write /late if it outlived the step.
        let script =
            "sh -c 'sleep 0.1 & sleep 0.1 &'; sleep 0.5; "
            + "for f in /proc/[0-9]*/stat; do read pid comm state rest < $f; echo $state; done; "
            + "(sleep 7.31 && echo late > /late &); exit 0"
        let result = try await runStep(shell(script, in: root), scratch: scratch)
        #expect(result.status == .exited(0))
        #expect(!result.output.contains("Z"), "a zombie: \(result.output)")
        #expect(try !processIsRunning(matching: "sleep 7.31"), "a background process outlived the step")
        #expect(!FileManager.default.fileExists(atPath: root + "/late"))
    }

    @Test("SIGTERM to the init reaches the step")
    func signalForwarding() async throws {
        let outputPath = scratch.path + "/forwarding"
        let fd = open(outputPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(fd) }
        let script = "trap 'echo terminated; exit 7' TERM; echo ready; while true; do sleep 0.05; done"
        let process = try await SandboxProcess.launch(shell(script, in: root), output: fd)
        while (try? String(contentsOfFile: outputPath, encoding: .utf8))?.contains("ready") != true {
            try await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGTERM)
        #expect(try await process.wait() == .exited(7))
        #expect(try String(contentsOfFile: outputPath, encoding: .utf8) == "ready\nterminated\n")
    }

    @Test("cancelling the task kills the step's tree and leaves no mount or mount point but /proc, /sys, /dev and /etc")
    func cancellation() async throws {
        let configuration = shell("sleep 1001 & sleep 1001", in: root)
        let outputPath = scratch.path + "/cancelled"
        let fd = open(outputPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(fd) }
        let task = Task { try await Sandbox.run(configuration, output: fd) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        await #expect(throws: SandboxError.cancelled) { try await task.value }
        #expect(try !processIsRunning(matching: "sleep 1001"), "the step's processes survived cancellation")
        #expect(try mounts(under: root).isEmpty)
        #expect(try tree(root).allSatisfy { $0.hasPrefix("bin") || ["dev", "etc", "proc", "sys"].contains($0) })
    }

    @Test("a process that asked for it runs in its own mount namespace, where an overlay never reaches the host")
    func privateMountNamespace() throws {
        // This test runner asked before main (Tests/PrivateMountNamespaceForTests), as the CLI does.
        #expect(MountNamespaceStatus.current == .private)
        #expect(MountNamespaceStatus.enterPrivate() == .private, "asking again changes nothing")
        // The parent (`swift test`) is in the namespace this process was started from.
        let parent = "/proc/\(getppid())"
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")
        #expect(try own != FileManager.default.destinationOfSymbolicLink(atPath: parent + "/ns/mnt"))
        let merged = try scratch.directory("merged")
        try OverlayMount.mount(
            lowerDirectories: [root], upperDirectory: try scratch.directory("upper"),
            workDirectory: try scratch.directory("work"), target: merged)
        defer { try? OverlayMount.unmount(merged) }
        #expect(try mounts(under: merged).count == 1)
        for table in [parent + "/mountinfo", "/proc/1/mountinfo"] {
            #expect(try !String(contentsOfFile: table, encoding: .utf8).contains(merged), "the overlay is visible in \(table)")
        }
    }
}
