import Glibc
import Synchronization
import System

/// The cgroups of one step: `swiftbuild-PID-N` in each hierarchy the step uses (on cgroup
/// v1 one per controller hierarchy: devices, memory, pids, cpuacct, and cpu when a CPU
/// limit is set; on v2 one cgroup of the unified hierarchy), under swiftbuild's own cgroup
/// there or under `--cgroup-parent`. The limits are written before the step starts; the
/// sandbox's init joins every one of them (its `cgroup.procs`) before it does anything
/// else and before it forks, so every process of the step, however it forks, is in them
/// from its start. Once the init is gone they are read for the step's usage and removed.
///
/// Which controller lives where, and what is written, is decided by ``CgroupSettings``
/// from what the kernel shows, per controller, at run time.
struct StepCgroup: Sendable {
    /// The step's cgroup in one hierarchy.
    struct Member: Sendable {
        var path: String
        var version: CgroupVersion
        var controllers: [String]
        /// `cgroup.procs`, open for writing: the init writes 0 to it to join.
        var procs: Int32
    }

    let members: [Member]

    /// The `cgroup.procs` descriptors the init joins.
    var procsDescriptors: [Int32] { members.map(\.procs) }

    private static let counter = Atomic<Int>(0)

    /// Process-wide bookkeeping, under one lock so that a step's cgroup is never made in a
    /// `--cgroup-parent` directory another step is removing.
    private struct Registry {
        /// Parents already swept for the debris of killed swiftbuilds.
        var swept: Set<String> = []
        /// `--cgroup-parent` directories this process made, removed once empty.
        var createdParents: [String] = []
    }

    private static let registry = Mutex(Registry())

    /// The host's cgroup hierarchies and this process's place in them, read once per process
    /// (on the first step) rather than for every step: they are mounted at boot and
    /// swiftbuild never moves itself to another cgroup.
    private struct HostCgroups: Sendable {
        let mounts: [CgroupSettings.Mount]
        /// The controllers the v2 hierarchy offers (empty without one).
        let unifiedControllers: Set<String>
        /// `/proc/self/cgroup` and `/proc/1/cgroup` (for a relative `--cgroup-parent`).
        let ownCgroups: String
        let initCgroups: String

        static func read() -> HostCgroups {
            let mounts = CgroupSettings.mounts(inMountinfo: (try? readFile("/proc/self/mountinfo")) ?? "")
            let unified = mounts.first { $0.version == .v2 }
            let controllers = unified.flatMap { try? readFile($0.mountPoint + "/cgroup.controllers") } ?? ""
            return HostCgroups(
                mounts: mounts, unifiedControllers: Set(controllers.split(whereSeparator: \.isWhitespace).map(String.init)),
                ownCgroups: (try? readFile("/proc/self/cgroup")) ?? "", initCgroups: (try? readFile("/proc/1/cgroup")) ?? "")
        }
    }

    private static let host = HostCgroups.read()

    /// Creates the step's cgroups with `limits`, under `cgroupParent` (docker's meaning) or
    /// swiftbuild's own cgroups. A limit whose controller the host cannot give is an error,
    /// except the default process limit, which is then left out.
    static func create(limits: CgroupLimits, cgroupParent: String?) throws(SandboxError) -> StepCgroup {
        let (mounts, unifiedControllers, ownCgroups) = (host.mounts, host.unifiedControllers, host.ownCgroups)
        let initCgroups = cgroupParent.map { $0.hasPrefix("/") ? "" : host.initCgroups } ?? ""
        if let cgroupParent, !CgroupSettings.isValidParent(cgroupParent) {
            throw .invalidConfiguration("--cgroup-parent '\(cgroupParent)' is not a cgroup path")
        }

        // Controllers wanted, and the flag that needs each (nil: used when available).
        var wanted: [(controller: String, flag: String?)] = [
            ("devices", nil), ("memory", limits.memory == nil ? nil : "--memory"), ("cpuacct", nil)
        ]
        if limits.pidsLimit != nil { wanted.append(("pids", limits.pidsLimitIsDefault ? nil : "--pids-limit")) }
        if limits.needsCPUController { wanted.append(("cpu", limits.cpuQuota != nil ? "--cpus" : "--cpu-shares")) }

        var plan: [(mount: CgroupSettings.Mount, controllers: [(String, String?)])] = []
        for (controller, flag) in wanted {
            guard let mount = CgroupSettings.mount(for: controller, in: mounts, unifiedControllers: unifiedControllers) else {
                if let flag { throw .cgroup("\(flag) needs the cgroup \(controller) controller, which this host does not have") }
                continue
            }
            if let index = plan.firstIndex(where: { $0.mount == mount }) {
                plan[index].controllers.append((controller, flag))
            } else {
                plan.append((mount, [(controller, flag)]))
            }
        }

        let name = "swiftbuild-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)"
        var members: [Member] = []
        do throws(SandboxError) {
            try registry.withLock { registry throws(SandboxError) in
                for (mount, controllers) in plan {
                    let selector = mount.version == .v1 ? controllers[0].0 : ""
                    let own = DevicesCgroup.parentPath(inProcCgroup: ownCgroups, controller: selector) ?? "/"
                    let initPath = DevicesCgroup.parentPath(inProcCgroup: initCgroups, controller: selector) ?? "/"
                    let parentPath = CgroupSettings.parentPath(cgroupParent: cgroupParent, ownPath: own, initPath: initPath)
                    let parent = CgroupSettings.directory(of: parentPath, in: mount)
                    if cgroupParent != nil {
                        try makeParent(parent, in: mount, registry: &registry)
                    }
                    if registry.swept.insert(parent).inserted { DevicesCgroup.removeStale(in: parent) }
                    var used = controllers
                    if mount.version == .v2 {
                        used = try enableControllers(controllers, in: parent)
                    }
                    do throws(SandboxError) {
                        members.append(try makeMember(name, in: parent, version: mount.version, controllers: used, limits: limits))
                    } catch .system(let error)
                        where cgroupParent == nil && used.allSatisfy({ $0.1 == nil }) && [EROFS, EACCES, EPERM].contains(error.code)
                    {
                        // A hierarchy this process may not write (a read-only cgroup
                        // filesystem in a container) and no flag needs: the step goes
                        // without it, as it went without a devices cgroup before.
                        continue
                    } catch .system(let error) where RootlessProcess.isRootless && [EROFS, EACCES, EPERM].contains(error.code) {
                        let flag = used.compactMap(\.1).first ?? "--cgroup-parent"
                        throw .cgroup(
                            "\(flag) needs a cgroup, which rootless swiftbuild may not make in \(parent) (no cgroup is delegated to this user): \(error.errnoDescription); run as root, or without \(flag)"
                        )
                    }
                }
            }
        } catch {
            for member in members { try? member.remove() }
            registry.withLock { removeCreatedParents(&$0) }
            throw error
        }
        return StepCgroup(members: members)
    }

    /// Makes the missing directories of a `--cgroup-parent` below the hierarchy's mount
    /// point, one component at a time through System's confined opens (no symlink, nothing
    /// outside the hierarchy), remembering them for removal; on v2, each new level gets the
    /// controllers its parent has.
    private static func makeParent(_ parent: String, in mount: CgroupSettings.Mount, registry: inout Registry) throws(SandboxError) {
        let hierarchy: RootDirectory
        do throws(SystemError) {
            hierarchy = try RootDirectory(path: mount.mountPoint)
        } catch {
            throw .system(error)
        }
        var relative = ""
        for component in parent.dropFirst(mount.mountPoint.count).split(separator: "/") {
            let above = relative
            relative += (relative.isEmpty ? "" : "/") + component
            let existing = FileDescriptor(
                adopting: openat2(
                    relative, in: hierarchy.descriptor, flags: openPathOnly | O_DIRECTORY | O_CLOEXEC, resolve: [.beneath, .noSymlinks]))
            if existing.rawValue >= 0 { continue }
            guard errno == ENOENT else { throw .system(.last("open the cgroup parent", path: mount.mountPoint + "/" + relative)) }
            let directory = FileDescriptor(
                adopting: above.isEmpty
                    ? dup(hierarchy.descriptor)
                    : openat2(above, in: hierarchy.descriptor, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC, resolve: [.beneath, .noSymlinks]))
            guard directory.rawValue >= 0, mkdirat(directory.rawValue, String(component), 0o755) == 0 else {
                throw .system(.last("create the cgroup parent", path: mount.mountPoint + "/" + relative))
            }
            registry.createdParents.append(mount.mountPoint + "/" + relative)
            if mount.version == .v2 {
                let available = (try? readFile(mount.mountPoint + "/" + relative + "/cgroup.controllers")) ?? ""
                _ = try? enableControllers(available.split(separator: " ").map { (String($0), nil) }, in: mount.mountPoint + "/" + relative)
            }
        }
    }

    /// Enables `controllers`' v2 controllers in `parent`'s `cgroup.subtree_control`. A
    /// parent with processes of its own cannot delegate (v2's no-internal-processes rule):
    /// a controller a flag asked for is then an error, others are left out. Returns the
    /// controllers the step's cgroup has.
    private static func enableControllers(_ controllers: [(String, String?)], in parent: String) throws(SandboxError) -> [(String, String?)]
    {
        let enabled = Set(
            ((try? readFile(parent + "/cgroup.subtree_control")) ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        var result: [(String, String?)] = []
        for (controller, flag) in controllers {
            if CgroupSettings.subtreeControllers([controller]).isEmpty || enabled.contains(controller) {
                result.append((controller, flag))
                continue
            }
            do throws(SystemError) {
                try writeFile(parent + "/cgroup.subtree_control", "+" + controller)
                result.append((controller, flag))
            } catch {
                guard let flag else { continue }
                throw .cgroup(
                    "\(flag) needs the cgroup \(controller) controller in \(parent), which cannot give it to the step's cgroup: "
                        + "\(error.errnoDescription) (a cgroup v2 parent with processes of its own cannot; use --cgroup-parent)")
            }
        }
        return result
    }

    /// Makes `name` under `parent` with `limits` written for `controllers`, and opens its
    /// `cgroup.procs`.
    private static func makeMember(
        _ name: String, in parent: String, version: CgroupVersion, controllers: [(String, String?)], limits: CgroupLimits
    ) throws(SandboxError) -> Member {
        let path = parent + "/" + name
        guard mkdir(path, 0o755) == 0 else { throw .system(.last("create the step's cgroup", path: path)) }
        do throws(SandboxError) {
            for (controller, _) in controllers {
                if controller == "devices" {
                    try DevicesCgroup.configure(path, version: version)
                }
                for write in CgroupSettings.writes(limits, controller: controller, version: version) {
                    do throws(SystemError) {
                        try writeFile(path + "/" + write.file, write.value)
                    } catch  where write.optional && error.code == ENOENT {
                        continue
                    } catch {
                        throw .system(error)
                    }
                }
            }
            let procs = open(path + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard procs >= 0 else { throw .system(.last("open", path: path + "/cgroup.procs")) }
            return Member(path: path, version: version, controllers: controllers.map(\.0), procs: procs)
        } catch {
            rmdir(path)
            throw error
        }
    }

    /// What the step used, read once its init is gone (before ``remove()``).
    /// `killedBySignal9` is whether the step ended by SIGKILL (or a shell said so, 137).
    func usage(killedBySignal9: Bool) -> StepUsage {
        var files: [String: String] = [:]
        for member in members {
            for controller in member.controllers {
                for file in CgroupSettings.statisticsFiles(controller: controller, version: member.version) {
                    if let content = try? Self.readFile(member.path + "/" + file) { files[file] = content }
                }
            }
        }
        return CgroupSettings.usage(files: files, killedBySignal9: killedBySignal9)
    }

    /// Closes the `cgroup.procs` descriptors and removes the cgroups, then the
    /// `--cgroup-parent` directories this process made that are now empty. Call once the
    /// init is gone: the kernel has then killed and reaped every process of the sandbox.
    func remove() throws(SandboxError) {
        var failure: SandboxError?
        Self.registry.withLock { registry in
            for member in members {
                do throws(SandboxError) {
                    try member.remove()
                } catch {
                    failure = failure ?? error
                }
            }
            Self.removeCreatedParents(&registry)
        }
        if let failure { throw failure }
    }

    /// Removes the `--cgroup-parent` directories this process made, deepest first; one
    /// another step still uses stays (rmdir refuses it) until that step ends.
    private static func removeCreatedParents(_ registry: inout Registry) {
        for parent in registry.createdParents.sorted(by: { $0.count > $1.count }) where rmdir(parent) == 0 {
            registry.createdParents.removeAll { $0 == parent }
            registry.swept.remove(parent)
        }
    }

    static func readFile(_ path: String) throws(SystemError) -> String {
        let file = try FileDescriptor.open(path, flags: O_RDONLY)
        do {
            return String(decoding: try file.readToEnd(), as: UTF8.self)
        } catch {
            throw SystemError(operation: error.operation, path: path, code: error.code)
        }
    }

    /// Writes `value` to a cgroup file in one write(2), as the kernel takes a value.
    static func writeFile(_ path: String, _ value: String) throws(SystemError) {
        let file = try FileDescriptor.open(path, flags: O_WRONLY)
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { bytes in retryingOnInterrupt { write(file.rawValue, bytes.baseAddress, bytes.count) } }
        guard written == bytes.count else { throw .last("write '\(value)' to", path: path) }
    }
}

extension StepCgroup.Member {
    /// Closes `cgroup.procs` and removes the cgroup; a task that has just exited may still
    /// be counted for a moment.
    func remove() throws(SandboxError) {
        close(procs)
        var attempts = 0
        while rmdir(path) != 0 {
            guard errno == EBUSY, attempts < 100 else {
                throw .system(.last("remove the step's cgroup", path: path))
            }
            attempts += 1
            usleep(10_000)
        }
    }
}
