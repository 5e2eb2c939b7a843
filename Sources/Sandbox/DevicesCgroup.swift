import Glibc
import Synchronization

/// The devices cgroup (cgroup v1) of one step: every device denied but the nodes the
/// sandbox's own `/dev` has. The step's root is mounted `nodev` already; the cgroup is the
/// second lock, which also holds for a step that may create device nodes (on the `/dev`
/// tmpfs, which has to stay dev-capable) or remount its root (`RUN --security=insecure`).
///
/// It is created under swiftbuild's own devices cgroup (a child cannot allow more than its
/// parent), joined by the sandbox's init before anything else, and removed when the init is
/// gone. On a host with only cgroup v2 there is no devices controller to write to (v2
/// filters devices with an eBPF program, which swiftbuild does not load yet), and steps rely
/// on `nodev` alone.
struct DevicesCgroup: Sendable {
    /// What a step may open or create: null, zero, full, random, urandom, tty, the ptmx of
    /// its devpts instance and that instance's terminals. Everything else is denied.
    static let allowedDevices = [
        "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm",
    ]

    /// Where the v1 devices hierarchy is mounted.
    static let hierarchy = "/sys/fs/cgroup/devices"

    private static let counter = Atomic<Int>(0)

    /// The cgroup's directory.
    let path: String
    /// `cgroup.procs`, open for writing: the init writes 0 to it to join.
    let procs: Int32

    /// Creates a new cgroup for a step, or returns nil when the host has no cgroup v1
    /// devices controller.
    static func create() throws(SandboxError) -> DevicesCgroup? {
        // devices.allow exists only in the v1 controller's hierarchy.
        guard access(hierarchy + "/devices.allow", W_OK) == 0 else { return nil }
        let own = (try? String(contentsOfProcFile: "/proc/self/cgroup")).flatMap(parentPath(inProcCgroup:)) ?? "/"
        let parent = own == "/" ? hierarchy : hierarchy + own
        let number = counter.add(1, ordering: .relaxed).newValue
        if number == 1 { removeStale(in: parent) }
        let path = parent + "/swiftbuild-\(getpid())-\(number)"
        guard mkdir(path, 0o755) == 0 else {
            throw .system(operation: "create the devices cgroup", path: path, errno: .current)
        }
        do throws(SandboxError) {
            try write("a", to: path + "/devices.deny")
            for rule in allowedDevices {
                try write(rule, to: path + "/devices.allow")
            }
            let procs = open(path + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard procs >= 0 else {
                throw SandboxError.system(operation: "open", path: path + "/cgroup.procs", errno: .current)
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
        guard let directory = opendir(parent) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
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

    /// The devices cgroup path in `/proc/self/cgroup` content (`N:devices:/path`, the
    /// controller possibly among others, comma-separated), or nil when it has none.
    static func parentPath(inProcCgroup content: String) -> String? {
        for line in content.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[1].split(separator: ",").contains("devices") else { continue }
            return String(fields[2])
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
                throw .system(operation: "remove the devices cgroup", path: path, errno: .current)
            }
            attempts += 1
            usleep(10_000)
        }
    }

    private static func write(_ rule: String, to file: String) throws(SandboxError) {
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: file, errno: .current) }
        defer { close(fd) }
        let written = rule.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written == rule.utf8.count else {
            throw .system(operation: "write '\(rule)' to", path: file, errno: .current)
        }
    }
}

private extension String {
    /// Reads a /proc file (its size is 0 to stat, so it is read until end-of-file).
    init(contentsOfProcFile path: String) throws(SandboxError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: path, errno: .current) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .system(operation: "read", path: path, errno: .current) }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
