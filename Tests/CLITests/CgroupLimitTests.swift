import Foundation
import Glibc
import Testing

/// Whether this host has the controllers the tests read as cgroup v1 hierarchies.
let hasV1CgroupControllers = ["memory", "pids", "cpu", "cpuacct"].allSatisfy {
    FileManager.default.fileExists(atPath: "/sys/fs/cgroup/\($0)/tasks")
}

/// The cgroup limits of RUN steps end to end through `swiftbuild build`, on this host's
/// real cgroup hierarchies: a memory hog and a (bounded) fork bomb stopped with their
/// messages, `--cpus`, `--memory` and `--pids-limit` in the files of the running step's
/// cgroups, `--cgroup-parent`, a double-forked process inside the step's cgroups and gone
/// with them, the usage printed with DONE, and no cgroup left behind after a normal end, a
/// failed step, SIGINT, or SIGKILL followed by the next build.
@Suite(
    "Cgroup limits of RUN steps", .enabled(if: ExternalTool.isRoot, "RUN needs root"),
    .enabled(if: hasV1CgroupControllers, "needs the memory, pids and cpu controllers as v1 hierarchies"))
struct CgroupLimitTests {
    let work: URL
    let store: URL

    static let hierarchies = "/sys/fs/cgroup"

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
    }

    struct Build {
        var status: Int32
        var output: String
        var pid: Int32
    }

    func context(_ dockerfile: String) throws -> URL {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return context
    }

    func startBuild(_ dockerfile: String, _ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = SwiftBuildProcess.binary
        process.arguments = ["build", "--root", store.path, "--progress", "plain"] + arguments + [try context(dockerfile).path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// Builds to the end, then checks that no cgroup of that swiftbuild remains.
    func build(_ dockerfile: String, _ arguments: [String] = []) throws -> Build {
        let (process, output) = try startBuild(dockerfile, arguments)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let build = Build(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self), pid: process.processIdentifier)
        let left = try Self.cgroups(of: build.pid)
        #expect(left.isEmpty, "cgroups left behind: \(left)")
        return build
    }

    /// Reads a running build's output until `marker` has been printed.
    func read(_ output: Pipe, until marker: String) -> String {
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains(marker) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        return String(decoding: seen, as: UTF8.self)
    }

    /// Every cgroup directory named after swiftbuild `pid` (`swiftbuild-PID-N`), in every
    /// hierarchy of the host.
    static func cgroups(of pid: Int32) throws -> [String] {
        try directories(under: hierarchies) { $0.hasPrefix("swiftbuild-\(pid)-") }
    }

    /// The directories under `root` whose name passes `matches`, found by readdir's entry
    /// types (no symlink is followed; cgroup filesystems have none).
    static func directories(under root: String, _ matches: (String) -> Bool) throws -> [String] {
        guard let directory = opendir(root) else { return [] }
        defer { closedir(directory) }
        var found: [String] = []
        while let entry = readdir(directory) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = root + "/" + name
            if matches(name) { found.append(path) }
            found += try directories(under: path, matches)
        }
        return found
    }

    /// The step's cgroup paths by controller, from `/proc/self/cgroup` lines it printed as
    /// `cgroup: N:CONTROLLERS:/path`.
    static func stepCgroups(in output: String, prefix: String = "cgroup: ") -> [String: String] {
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let range = line.range(of: prefix) else { continue }
            let fields = line[range.upperBound...].split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            for controller in fields[1].split(separator: ",") { result[String(controller)] = String(fields[2]) }
        }
        return result
    }

    static func contents(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Limits that stop a step

    @Test func memoryHogIsKilledWithTheOutOfMemoryMessage() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // dd's 300 MiB block is one buffer it fills from /dev/zero: every page is touched.
        let result = try build(
            """
            FROM busybox
            RUN echo small
            RUN dd if=/dev/zero of=/dev/null bs=300M count=1
            """, ["--memory", "64m"])
        #expect(result.status == 1, "\(result.output)")
        #expect(
            result.output.contains(
                "Dockerfile:3: RUN dd if=/dev/zero of=/dev/null bs=300M count=1: killed: out of memory (limit 64 MiB)\n"),
            "\(result.output)")
        // The step before it printed its usage with DONE.
        let done = result.output.split(separator: "\n").first { $0.hasPrefix("#1 DONE ") }
        #expect(
            done.map {
                $0.range(of: #"^#1 DONE [0-9.]+s \(peak [0-9.]+ [KM]iB, cpu [0-9]+\.[0-9]{2}s\)$"#, options: .regularExpression) != nil
            } == true,
            "\(result.output)")
        // Without the limit the same step succeeds: the limit, not the host, stopped it.
        let unlimited = try build("FROM busybox\nRUN dd if=/dev/zero of=/dev/null bs=300M count=1")
        #expect(unlimited.status == 0, "\(unlimited.output)")
    }

    @Test func forkBombStopsAtThePidsLimit() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // Bounded: 60 background sleeps, more than the limit of 30 lets it start.
        let result = try build(
            """
            FROM busybox
            RUN i=0; while [ $i -lt 60 ]; do sleep 4321 & i=$((i+1)); done; echo all-started
            """, ["--pids-limit", "30"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("can't fork"), "the step's own fork error is shown: \(result.output)")
        #expect(result.output.contains("after reaching its process limit (--pids-limit 30)"), "\(result.output)")
        #expect(!result.output.contains("#1 all-started"))
        #expect(try Self.processes(withArguments: ["sleep", "4321"]).isEmpty, "the step's processes outlived it")
        // The same loop under the default limit runs to its end.
        let fine = try build(
            """
            FROM busybox
            RUN i=0; while [ $i -lt 60 ]; do sleep 4321 & i=$((i+1)); done; echo all-started
            """)
        #expect(fine.status == 0 && fine.output.contains("#1 all-started"), "\(fine.output)")
        #expect(try Self.processes(withArguments: ["sleep", "4321"]).isEmpty, "the step's processes outlived it")
    }

    /// `--cpus 0.5` gives a CPU-bound step half a CPU: the CPU time its cgroup accounts
    /// (shown with DONE) stays near half the step's time, however long it runs and whatever
    /// else the machine does (the quota is a ceiling, so this cannot pass by luck).
    @Test func halfACPUHalvesACPUBoundStepsRate() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build("FROM busybox\nRUN timeout 3 sh -c 'while :; do :; done' || true\n", ["--cpus", "0.5"])
        #expect(result.status == 0, "\(result.output)")
        let done = result.output.split(separator: "\n").first { $0.hasPrefix("#1 DONE ") }.map(String.init) ?? ""
        let numbers = done.matches(of: #/([0-9]+\.[0-9]+)s/#).compactMap { Double($0.1) }
        #expect(numbers.count == 2, "\(result.output)")
        if numbers.count == 2 {
            let (elapsed, cpu) = (numbers[0], numbers[1])
            #expect(elapsed >= 3, "\(done)")
            // A quota of 50 ms per 100 ms period: at most about half of the step's time.
            #expect(cpu <= elapsed * 0.6, "\(done)")
            #expect(cpu >= 0.3, "the loop ran: \(done)")
        }
    }

    /// `--metadata-file` records what each RUN step used, as DONE prints it.
    @Test func theMetadataFileRecordsEachRunStepsUsage() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let metadata = work.appendingPathComponent("metadata.json")
        let result = try build(
            "FROM busybox\nRUN dd if=/dev/zero of=/dev/null bs=40M count=1\nENV A=1\n", ["--metadata-file", metadata.path])
        #expect(result.status == 0, "\(result.output)")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: metadata)) as? [String: Any]
        let steps = document?["swiftbuild.steps"] as? [[String: Any]] ?? []
        #expect(steps.count == 1, "only the RUN step: \(steps)")
        let step = steps.first ?? [:]
        #expect(step["instruction"] as? String == "RUN dd if=/dev/zero of=/dev/null bs=40M count=1")
        #expect(step["step"] as? Int == 1)
        #expect((step["peakMemoryBytes"] as? Int ?? 0) >= 40 << 20, "dd's 40 MiB block: \(step)")
        #expect((step["cpuSeconds"] as? Double).map { $0 > 0 } == true, "\(step)")
        #expect((step["seconds"] as? Double).map { $0 > 0 } == true, "\(step)")
    }

    @Test func invalidValuesAreRefusedBeforeTheBuild() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        for (arguments, message) in [
            (["--memory", "64x"], "--memory 64x: expected a size"), (["--memory", "1m"], "the smallest memory limit is 6 MiB"),
            (["--memory-swap", "1g"], "a swap limit needs a memory limit"), (["--cpus", "0"], "--cpus 0: expected a positive"),
            (["--cgroup-parent", "../escape"], "--cgroup-parent ../escape")
        ] {
            let result = try build("FROM busybox\nRUN true", arguments)
            #expect(result.status != 0)
            #expect(result.output.contains(message), "\(arguments): \(result.output)")
        }
    }

    @Test func aReadOnlyHierarchyIsLeftOutUnlessAFlagNeedsIt() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = try context("FROM busybox\nRUN echo step-$((1 + 1))-ran")
        // The memory hierarchy read-only, as in a container, in a mount namespace of its own.
        func build(_ arguments: [String]) throws -> (Int32, String) {
            let command =
                ([SwiftBuildProcess.binary.path, "build", "--root", store.path, "--progress", "plain", "--no-cache"] + arguments + [
                    dockerfile.path
                ])
                .map { "'\($0)'" }.joined(separator: " ")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments = [
                "-m", "--propagation", "private", "sh", "-c", "mount -o remount,bind,ro /sys/fs/cgroup/memory && exec \(command)"
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            // unshare and sh exec: the pid is swiftbuild's.
            #expect(try Self.cgroups(of: process.processIdentifier).isEmpty)
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let (status, output) = try build([])
        #expect(status == 0 && output.contains("#1 step-2-ran"), "\(output)")
        let (limited, message) = try build(["--memory", "64m"])
        #expect(limited != 0)
        #expect(message.contains("create the step's cgroup") && message.contains("EROFS"), "\(message)")
    }

    // MARK: - The running step's cgroups, seen from the host

    @Test func limitsAreInTheRunningStepsCgroupsUnderTheCgroupParent() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let parent = "cgtest-\(UUID().uuidString.prefix(8).lowercased())"
        let (process, output) = try startBuild(
            """
            FROM busybox
            RUN sed 's/^/cgroup: /' /proc/self/cgroup; echo step-$((1 + 1))-ready; sleep 1000
            """, ["--cpus", "0.5", "--cpu-shares", "512", "--memory", "96m", "--pids-limit", "77", "--cgroup-parent", parent])
        let seen = read(output, until: "step-2-ready")
        let paths = Self.stepCgroups(in: seen)
        // PID 1's cgroup here is the root: a relative parent is below it.
        for controller in ["memory", "pids", "cpu", "cpuacct", "devices"] {
            let path = paths[controller] ?? ""
            #expect(path.hasPrefix("/\(parent)/swiftbuild-\(process.processIdentifier)-"), "\(controller): \(seen)")
        }
        let cpu = Self.hierarchies + "/cpu" + (paths["cpu"] ?? "/missing")
        #expect(Self.contents(cpu + "/cpu.cfs_quota_us") == "50000")
        #expect(Self.contents(cpu + "/cpu.cfs_period_us") == "100000")
        #expect(Self.contents(cpu + "/cpu.shares") == "512")
        #expect(Self.contents(Self.hierarchies + "/memory" + (paths["memory"] ?? "/missing") + "/memory.limit_in_bytes") == "100663296")
        #expect(Self.contents(Self.hierarchies + "/pids" + (paths["pids"] ?? "/missing") + "/pids.max") == "77")

        // SIGINT while the step runs: its cgroups and the parent swiftbuild made are removed.
        kill(process.processIdentifier, SIGINT)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(try Self.cgroups(of: process.processIdentifier).isEmpty)
        #expect(try Self.directories(under: Self.hierarchies) { $0 == parent }.isEmpty, "the --cgroup-parent made for the build stays")
    }

    @Test func aDoubleForkedProcessIsInTheStepsCgroupsAndEndsWithTheStep() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // The subshell's child is reparented to the sandbox's init at once; it waits in
        // `sleep 4322` when the step ends.
        let result = try build(
            """
            FROM busybox
            RUN (sh -c 'sed "s/^/forked: /" /proc/self/cgroup > /forked; exec sleep 4322' &); \\
                while [ ! -s /forked ]; do sleep 0.05; done; cat /forked; sed 's/^/step: /' /proc/self/cgroup
            """)
        #expect(result.status == 0, "\(result.output)")
        let forked = Self.stepCgroups(in: result.output, prefix: "forked: ")
        let step = Self.stepCgroups(in: result.output, prefix: "step: ")
        for controller in ["memory", "pids", "cpuacct", "devices"] {
            #expect(forked[controller]?.contains("/swiftbuild-\(result.pid)-") == true, "\(controller): \(result.output)")
            #expect(forked[controller] == step[controller], "\(controller): \(result.output)")
        }
        #expect(try Self.processes(withArguments: ["sleep", "4322"]).isEmpty, "the double-forked process outlived its step")
    }

    @Test func cgroupsOfAKilledSwiftbuildAreRemovedByTheNextBuild() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (process, output) = try startBuild("FROM busybox\nRUN echo step-$((1 + 1))-ready; sleep 1000", [])
        _ = read(output, until: "step-2-ready")
        // Taken while the step runs: once swiftbuild is killed, any build that starts (this
        // test's next one, or another test's running at the same time) may remove them.
        let left = try Self.cgroups(of: process.processIdentifier)
        #expect(!left.isEmpty, "the running step has no cgroups")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The kernel kills the step's processes (its init dies with swiftbuild); wait until
        // the cgroups are empty, as the next build finds them.
        for cgroup in left {
            while !Self.contents(cgroup + "/cgroup.procs").isEmpty { usleep(10_000) }
        }
        let next = try build("FROM busybox\nRUN true")
        #expect(next.status == 0, "\(next.output)")
        #expect(try Self.cgroups(of: process.processIdentifier).isEmpty, "the next build removed them")
    }

    /// Host processes whose command line is exactly `arguments`.
    static func processes(withArguments arguments: [String]) throws -> [String] {
        let wanted = Data((arguments.joined(separator: "\0") + "\0").utf8)
        return try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { name in
            Int(name) != nil && (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(name)/cmdline"))) == wanted
        }
    }
}
