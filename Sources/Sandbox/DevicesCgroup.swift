import CSandbox
import Glibc
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
enum DevicesCgroup {
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

    private static func write(_ rule: String, to file: String) throws(SandboxError) {
        do {
            try StepCgroup.writeFile(file, rule)
        } catch {
            throw .system(error)
        }
    }
}
