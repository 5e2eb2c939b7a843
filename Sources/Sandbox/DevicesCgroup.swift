import CSandbox
import Glibc
import Synchronization
import System

/// The devices cgroup of one step: every device denied but the nodes the sandbox's own
/// `/dev` has. The step's root is mounted `nodev` already; the cgroup is the
/// second lock, which also holds for a step that may create device nodes (on the `/dev`
/// tmpfs, which has to stay dev-capable) or remount its root (`RUN --security=insecure`).
///
/// It is the step's cgroup (`StepCgroup`) in the devices hierarchy, made under swiftbuild's
/// own devices cgroup (a child cannot allow more than its parent), joined by the sandbox's
/// init before anything else, and removed when the init is gone. With the cgroup v1
/// `devices` controller, the allow list is written to it; where the devices controller is
/// not a v1 hierarchy, an eBPF device program allowing the same nodes is attached to the
/// step's v2 cgroup instead (as runc does). A host with neither leaves steps with `nodev`
/// alone. The helpers here (the parent from `/proc/self/cgroup`, the sweep of a killed
/// swiftbuild's cgroups) serve every hierarchy of the step's cgroup.
struct DevicesCgroup: Sendable {
    /// A character device, or every minor of a major.
    struct Device: Sendable {
        var major: UInt32
        var minor: UInt32?

        /// The v1 `devices.allow` rule: `c MAJOR:MINOR rwm`.
        var rule: String { "c \(major):\(minor.map(String.init) ?? "*") rwm" }
    }

    /// What a step may open or create: null, zero, full, random, urandom, tty, the ptmx of
    /// its devpts instance and that instance's terminals. Everything else is denied.
    static let allowedDevices = [
        Device(major: 1, minor: 3), Device(major: 1, minor: 5), Device(major: 1, minor: 7), Device(major: 1, minor: 8),
        Device(major: 1, minor: 9), Device(major: 5, minor: 0), Device(major: 5, minor: 2), Device(major: 136, minor: nil)
    ]

    /// Where the v1 devices hierarchy is mounted.
    static let hierarchy = "/sys/fs/cgroup/devices"
    /// Where a cgroup v2 only host mounts its hierarchy.
    static let unifiedHierarchy = "/sys/fs/cgroup"

    private static let counter = Atomic<Int>(0)

    /// The cgroup's directory.
    let path: String
    /// `cgroup.procs`, open for writing: the init writes 0 to it to join.
    let procs: Int32

    /// Sets up the step's cgroup at `path` as its devices cgroup: on v1 (the `devices`
    /// controller's hierarchy) every device is denied and `allowedDevices` allowed; on v2 an
    /// eBPF device program allowing the same is attached (as runc does).
    static func configure(_ path: String, version: CgroupVersion) throws(SandboxError) {
        switch version {
        case .v1:
            try write("a", to: path + "/devices.deny")
            for device in allowedDevices {
                try write(device.rule, to: path + "/devices.allow")
            }
        case .v2:
            try attachFilter(path)
        }
    }

    /// A cgroup v2 cgroup under this process's own in the v2 hierarchy mounted at `root`,
    /// with the eBPF device program attached.
    static func createUnified(in root: String) throws(SandboxError) -> DevicesCgroup {
        try create(in: root, controller: "", configure: attachFilter)
    }

    /// Attaches the eBPF device program allowing `allowedDevices` to the v2 cgroup at `path`.
    private static func attachFilter(_ path: String) throws(SandboxError) {
        let directoryFile = FileDescriptor(adopting: open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        let directory = directoryFile.rawValue
        guard directory >= 0 else { throw .system(.last("open the cgroup", path: path)) }
        let rules = allowedDevices.map {
            csandbox_device_rule(major: $0.major, minor: $0.minor ?? 0, any_minor: $0.minor == nil ? 1 : 0)
        }
        guard csandbox_attach_device_filter(directory, rules, rules.count) == 0 else {
            throw .system(.last("attach the device filter to the cgroup", path: path))
        }
    }

    /// Makes `swiftbuild-PID-N` under this process's cgroup of `controller` ("" for v2) in
    /// the hierarchy at `root`, sets it up with `configure` and opens its `cgroup.procs`.
    private static func create(
        in root: String, controller: String,
        configure: (String) throws(SandboxError) -> Void
    ) throws(SandboxError) -> DevicesCgroup {
        let own =
            (try? String(contentsOfProcFile: "/proc/self/cgroup"))
            .flatMap { parentPath(inProcCgroup: $0, controller: controller) } ?? "/"
        let parent = own == "/" ? root : root + own
        let number = counter.add(1, ordering: .relaxed).newValue
        if number == 1 { removeStale(in: parent) }
        let path = parent + "/swiftbuild-\(getpid())-\(number)"
        guard mkdir(path, 0o755) == 0 else {
            throw .system(.last("create the devices cgroup", path: path))
        }
        do throws(SandboxError) {
            try configure(path)
            let procs = open(path + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard procs >= 0 else {
                throw SandboxError.system(.last("open", path: path + "/cgroup.procs"))
            }
            return DevicesCgroup(path: path, procs: procs)
        } catch {
            rmdir(path)
            throw error
        }
    }

    /// Removes the cgroups that swiftbuild processes killed with SIGKILL left in `parent`
    /// (a cgroup is removed once its step ends, which a killed swiftbuild never sees). Only
    /// empty ones go (rmdir refuses others), and only those of processes that are gone.
    static func removeStale(in parent: String) {
        guard let directory = try? FileDescriptor.open(parent, flags: O_RDONLY | O_DIRECTORY),
            let entries = try? DirectoryListing.entryNames(directory.rawValue)
        else { return }
        for entry in entries {
            let name = String(decoding: entry, as: UTF8.self)
            guard let pid = stalePid(name), kill(pid, 0) != 0, errno == ESRCH else { continue }
            rmdir(parent + "/" + name)
        }
    }

    /// The swiftbuild pid in a cgroup name `swiftbuild-PID-N`, or nil for other names.
    static func stalePid(_ name: String) -> pid_t? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "swiftbuild", Int(parts[2]) != nil, let pid = pid_t(parts[1]), pid > 0 else {
            return nil
        }
        return pid
    }

    /// The cgroup path of `controller` in `/proc/self/cgroup` content (`N:devices:/path`,
    /// the controller possibly among others, comma-separated; `0::/path` for v2, whose
    /// controller is ""), or nil when it has none.
    static func parentPath(inProcCgroup content: String, controller: String = "devices") -> String? {
        for line in content.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let matches =
                controller.isEmpty
                ? fields[0] == "0" && fields[1].isEmpty
                : fields[1].split(separator: ",").contains(Substring(controller))
            if matches { return String(fields[2]) }
        }
        return nil
    }

    /// Closes `cgroup.procs` and removes the cgroup. Call once the init is gone: the kernel
    /// has then killed and reaped every process of the sandbox's PID namespace.
    func remove() throws(SandboxError) {
        close(procs)
        var attempts = 0
        while rmdir(path) != 0 {
            // A task that has just exited may still be counted for a moment.
            guard errno == EBUSY, attempts < 100 else {
                throw .system(.last("remove the devices cgroup", path: path))
            }
            attempts += 1
            usleep(10_000)
        }
    }

    private static func write(_ rule: String, to file: String) throws(SandboxError) {
        let fdFile = FileDescriptor(adopting: open(file, O_WRONLY | O_CLOEXEC))
        let fd = fdFile.rawValue
        guard fd >= 0 else { throw .system(.last("open", path: file)) }
        let written = rule.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written == rule.utf8.count else {
            throw .system(.last("write '\(rule)' to", path: file))
        }
    }
}

extension String {
    /// Reads a /proc file (its size is 0 to stat, so it is read until end-of-file).
    fileprivate init(contentsOfProcFile path: String) throws(SandboxError) {
        let fdFile = FileDescriptor(adopting: open(path, O_RDONLY | O_CLOEXEC))
        let fd = fdFile.rawValue
        guard fd >= 0 else { throw .system(.last("open", path: path)) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = retryingOnInterrupt { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            guard count >= 0 else { throw .system(.last("read", path: path)) }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
