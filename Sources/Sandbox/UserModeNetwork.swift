import CSandbox
import Glibc
import System

/// A step's network namespace that ``SandboxProcess`` joins and releases: swiftbuild's
/// bridge (root), or user-mode networking (rootless).
protocol PreparedNetwork: AnyObject {
    /// The namespace's descriptor, joined by the sandbox's init.
    var namespace: Int32 { get }
    /// The step's /etc/resolv.conf, generated (nil: the host's, as configured).
    func resolvConf(host path: String?) -> String?
    /// Tears the network down once the step has ended.
    func release() throws(SandboxError)
}

/// `--network private` rootless: the bridge and NAT are the host root's, so the step gets a
/// network namespace of its own whose `tap0` is served by `slirp4netns` (user-mode
/// networking, as rootless podman and buildah use): 10.0.2.100/24, gateway 10.0.2.2, DNS
/// 10.0.2.3, and no way to the host's loopback (`--disable-host-loopback`).
///
/// The namespace is made by a child cloned into it (a rootless thread could not return to
/// the host's namespace after an unshare), so it is owned by swiftbuild's user namespace. slirp4netns gets it as `/proc/self/fd/5`, reports that
/// `tap0` is configured on its ready descriptor, and exits when its exit descriptor's other
/// end (held here) closes: after the step, or when swiftbuild dies.
final class UserModeNetwork: PreparedNetwork {
    let namespace: Int32
    private let process: pid_t
    private let exitWriter: Int32

    private init(namespace: Int32, process: pid_t, exitWriter: Int32) {
        self.namespace = namespace
        self.process = process
        self.exitWriter = exitWriter
    }

    /// The program, from `PATH` or the usual directories; nil when it is not installed.
    static var program: String? {
        UserNamespaceEntry.findProgram("slirp4netns")
    }

    /// Makes the namespace and starts slirp4netns for it; returns once `tap0` is up.
    static func start() throws(SandboxError) -> UserModeNetwork {
        guard let program else {
            throw .network("--network private rootless needs slirp4netns (Debian: apt-get install slirp4netns)")
        }
        let namespace = try newNamespace()
        var ready: [Int32] = [-1, -1]
        var exit: [Int32] = [-1, -1]
        guard csandbox_pipe_cloexec(&ready) == 0 else {
            close(namespace)
            throw .system(.last("create the ready pipe of slirp4netns"))
        }
        guard csandbox_pipe_cloexec(&exit) == 0 else {
            close(namespace)
            close(ready[0])
            close(ready[1])
            throw .system(.last("create the exit pipe of slirp4netns"))
        }
        // Above the numbers the child gets them at, so no dup2 overwrites another.
        let passed = [ready[1], exit[0], namespace].map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
        let pid: pid_t
        // The copies go at once: a write end of the ready pipe left here would keep the
        // read below from seeing slirp4netns fail.
        var passedClosed = false
        defer { if !passedClosed { for fd in passed where fd >= 0 { close(fd) } } }
        do {
            guard !passed.contains(where: { $0 < 0 }) else { throw SystemError.last("duplicate the descriptors for slirp4netns") }
            pid = try Subprocess.spawn(
                program,
                [
                    "--configure", "--mtu=65520", "--disable-host-loopback", "--ready-fd=3", "--exit-fd=4",
                    "--netns-type=path", "/proc/self/fd/5", "tap0"
                ],
                standardError: 2, extraDescriptors: [(passed[0], 3), (passed[1], 4), (passed[2], 5)])
        } catch let error as SystemError {
            for fd in [namespace, ready[0], ready[1], exit[0], exit[1]] { close(fd) }
            throw .system(error)
        } catch {
            for fd in [namespace, ready[0], ready[1], exit[0], exit[1]] { close(fd) }
            throw .network("cannot start slirp4netns: \(error)")
        }
        for fd in passed where fd >= 0 { close(fd) }
        passedClosed = true
        close(ready[1])
        close(exit[0])
        var byte: UInt8 = 0
        let count = retryingOnInterrupt { read(ready[0], &byte, 1) }
        close(ready[0])
        let network = UserModeNetwork(namespace: namespace, process: pid, exitWriter: exit[1])
        guard count == 1 else {
            try? network.release()
            throw .network("slirp4netns did not configure the step's network (see its message above)")
        }
        return network
    }

    /// A new network namespace's descriptor (`csandbox_new_network_namespace`).
    private static func newNamespace() throws(SandboxError) -> Int32 {
        let created = csandbox_new_network_namespace()
        guard created >= 0 else { throw .system(SystemError(operation: "make a network namespace", code: -created)) }
        return created
    }

    func resolvConf(host path: String?) -> String? {
        "nameserver 10.0.2.3\n"
    }

    func release() throws(SandboxError) {
        close(exitWriter)
        _ = Subprocess.wait(process)
        close(namespace)
    }
}

extension BridgeNetwork: PreparedNetwork {
    func resolvConf(host path: String?) -> String? {
        guard let path else { return nil }
        let host = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let upstream = try? String(contentsOfFile: "/run/systemd/resolve/resolv.conf", encoding: .utf8)
        return BridgePlan.resolvConf(host: host, upstream: upstream)
    }
}
