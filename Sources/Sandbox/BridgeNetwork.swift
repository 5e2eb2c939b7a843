import Foundation
import Glibc
import System

/// A step's private network (`--network private`), from ``acquire(subnet:)`` to
/// ``release()``: a network namespace with a veth pair to swiftbuild's bridge, an address
/// from the subnet and a default route via the bridge, whose traffic leaves the host
/// masqueraded.
///
/// The bridge, swiftbuild's iptables chains and IP forwarding are shared by every private
/// step of every swiftbuild on the host. /run/swiftbuild/network/state, read and written
/// under an exclusive lock on /run/swiftbuild/network/lock, records them and one lease per
/// running step: the first step sets them up, the last one tears them down. Leases of
/// processes that are gone (swiftbuild killed) are dropped by the next acquire or release,
/// and when no live lease remains everything swiftbuild may have left (bridge, chains,
/// veths, namespace names) is removed before it is set up again.
///
/// Works on the calling thread, blocking (the sandbox's dedicated thread).
final class BridgeNetwork {
    static let directory = "/run/swiftbuild/network"

    /// The namespace's descriptor, open until ``release()``; the sandbox's init joins it
    /// with setns.
    let namespace: Int32
    /// The step's address.
    let address: UInt32
    let subnet: IPv4Subnet

    private init(namespace: Int32, address: UInt32, subnet: IPv4Subnet) {
        self.namespace = namespace
        self.address = address
        self.subnet = subnet
    }

    /// Makes the step's namespace and connects it, setting the bridge and rules up first
    /// when no other step uses them.
    static func acquire(subnet: IPv4Subnet) throws(SandboxError) -> BridgeNetwork {
        try withLock { () throws(SandboxError) -> BridgeNetwork in
            var state = try cleanedState()
            if state.leases.isEmpty {
                try setUp(subnet: subnet, state: &state)
            } else if state.subnet != subnet {
                throw .network(
                    "the private network's bridge \(BridgePlan.bridge) is in use with the subnet \(state.subnet?.description ?? "?"), not \(subnet); use the same --network-subnet for concurrent builds"
                )
            }
            guard let address = subnet.firstFreeAddress(excluding: Set(state.leases.map(\.address))) else {
                throw .network("no free address left in the subnet \(subnet) of the private network")
            }
            let name = BridgePlan.namespacePrefix + "\(getpid())-\(IPv4Subnet.format(address))"
            let opened: Result<Int32, SandboxError>
            do throws(SandboxError) {
                try ip(["netns", "add", name])
                for command in BridgePlan.stepCommands(namespace: name, address: address, subnet: subnet) {
                    try ip(command)
                }
                let fd = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw .system(.last("open", path: "/run/netns/\(name)")) }
                opened = .success(fd)
            } catch {
                opened = .failure(error)
            }
            // The name goes at once: the namespace lives on through the descriptor and the
            // step, and disappears with them, veth included, whatever becomes of swiftbuild.
            try? ip(["netns", "delete", name], quietWhenMissing: true)
            let namespace: Int32
            switch opened {
            case .success(let fd): namespace = fd
            case .failure(let error):
                try? ip(["link", "delete", BridgePlan.vethName(address: address, in: subnet)])
                if state.leases.isEmpty { tearDown(state: &state) }
                try? write(state)
                throw error
            }
            state.leases.append(.init(pid: getpid(), startTime: startTime(of: getpid()) ?? 0, address: address))
            try write(state)
            return BridgeNetwork(namespace: namespace, address: address, subnet: subnet)
        }
    }

    /// Ends the lease after the step: removes the veth (at once, rather than when the
    /// kernel gets round to destroying the namespace), then the bridge and rules when no
    /// other step uses them.
    func release() throws(SandboxError) {
        close(namespace)
        try Self.withLock { () throws(SandboxError) in
            try? Self.ip(["link", "delete", BridgePlan.vethName(address: address, in: subnet)], quietWhenMissing: true)
            var state = try Self.cleanedState()
            let pid = getpid()
            state.leases.removeAll { $0.pid == pid && $0.address == address }
            if state.leases.isEmpty { Self.tearDown(state: &state) }
            try Self.write(state)
        }
    }

    // MARK: - Shared state

    private static func withLock<T>(_ body: () throws(SandboxError) -> T) throws(SandboxError) -> T {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .network("cannot create \(directory): \(error)")
        }
        let path = directory + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(.last("open", path: path)) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .system(.last("lock", path: path)) }
        }
        return try body()
    }

    private static var statePath: String { directory + "/state" }

    /// The state without the leases of processes that are gone; when no lease remains,
    /// whatever swiftbuild may have left is removed first.
    private static func cleanedState() throws(SandboxError) -> BridgeState {
        var state = BridgeState(parsing: (try? String(contentsOfFile: statePath, encoding: .utf8)) ?? "")
        state.leases.removeAll { lease in startTime(of: lease.pid) != lease.startTime }
        if state.leases.isEmpty { tearDown(state: &state) }
        return state
    }

    private static func write(_ state: BridgeState) throws(SandboxError) {
        do {
            try Data(state.text.utf8).write(to: URL(fileURLWithPath: statePath), options: .atomic)
        } catch {
            throw .network("cannot write \(statePath): \(error)")
        }
    }

    /// A process's start time (field 22 of /proc/PID/stat); nil when it is gone.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    // MARK: - Bridge and rules

    private static func setUp(subnet: IPv4Subnet, state: inout BridgeState) throws(SandboxError) {
        let routes = try run("/usr/sbin/ip", ["-4", "route", "show"]) ?? ""
        if let route = BridgePlan.conflictingRoute(routes, subnet: subnet) {
            throw .network(
                "the subnet \(subnet) of the private network overlaps the host's route '\(route)'; choose another with --network-subnet"
            )
        }
        do throws(SandboxError) {
            try ip(["link", "add", BridgePlan.bridge, "type", "bridge"])
            try ip(["addr", "add", "\(IPv4Subnet.format(subnet.gateway))/\(subnet.prefixLength)", "dev", BridgePlan.bridge])
            try ip(["link", "set", BridgePlan.bridge, "up"])
            for rule in BridgePlan.setupRules(subnet) {
                _ = try run(iptables, rule)
            }
            state.subnet = subnet
            if (try? String(contentsOfFile: forwardingPath, encoding: .utf8))?.hasPrefix("1") != true {
                guard (try? "1\n".write(toFile: forwardingPath, atomically: false, encoding: .utf8)) != nil else {
                    throw .network("cannot enable IP forwarding in \(forwardingPath)")
                }
                state.enabledForwarding = true
            }
        } catch {
            tearDown(state: &state)
            throw error
        }
    }

    /// Removes the bridge, swiftbuild's chains, the veths and namespace names of steps that
    /// are gone, and turns IP forwarding off again when swiftbuild turned it on. Only
    /// called with no live lease; every part may already be gone.
    private static func tearDown(state: inout BridgeState) {
        for rule in BridgePlan.teardownRules {
            // A jump rule inserted twice (a crash between set-up steps) is removed until none is left.
            while (try? run(iptables, rule, quiet: true)) != nil, rule.contains("-D") {}
        }
        let links = (try? run("/usr/sbin/ip", ["-o", "link", "show"], quiet: true)) ?? nil
        for line in (links ?? "").split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count > 1 else { continue }
            let name = words[1].split(separator: ":")[0].split(separator: "@")[0]
            if name == BridgePlan.bridge || name.hasPrefix(BridgePlan.vethPrefix) {
                try? ip(["link", "delete", String(name)], quietWhenMissing: true)
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        for name in names where name.hasPrefix(BridgePlan.namespacePrefix) {
            let pid = name.dropFirst(BridgePlan.namespacePrefix.count).split(separator: "-").first.flatMap { Int32($0) }
            if pid.map({ startTime(of: $0) == nil }) ?? true {
                try? ip(["netns", "delete", name], quietWhenMissing: true)
            }
        }
        if state.enabledForwarding {
            try? "0\n".write(toFile: forwardingPath, atomically: false, encoding: .utf8)
            state.enabledForwarding = false
        }
        state.subnet = nil
    }

    private static let forwardingPath = "/proc/sys/net/ipv4/ip_forward"
    private static let iptables = "/usr/sbin/iptables"

    private static func ip(_ arguments: [String], quietWhenMissing: Bool = false) throws(SandboxError) {
        _ = try run("/usr/sbin/ip", arguments, quiet: quietWhenMissing)
    }

    /// Runs a tool to its end; its standard output, or an error naming the command and
    /// quoting what it said.
    @discardableResult
    private static func run(_ tool: String, _ arguments: [String], quiet: Bool = false) throws(SandboxError) -> String? {
        let result: Subprocess.Output
        do {
            result = try Subprocess.run(tool, arguments)
        } catch {
            throw .network("cannot run \(tool) (install iproute2 and iptables): \(error)")
        }
        let text = String(decoding: result.standardOutput, as: UTF8.self)
        let said = String(decoding: result.standardError, as: UTF8.self)
        guard result.status == 0 else {
            let command = ([tool.split(separator: "/").last.map(String.init) ?? tool] + arguments).joined(separator: " ")
            throw .network(
                "'\(command)' failed\(quiet ? "" : ": " + said.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return text
    }
}
