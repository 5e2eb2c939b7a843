/// The pure half of `--network private`: names, the `ip`/`iptables` command lines that set
/// up and tear down swiftbuild's bridge and rules, the shared state file, the route check
/// and the step's resolv.conf. ``BridgeNetwork`` runs them.
enum BridgePlan {
    /// The bridge every private step's veth is attached to.
    static let bridge = "swiftbuild0"
    /// The host end of a step's veth pair is `sbv` and the step's host number in hex (at
    /// most 15 characters, unique while the address is leased).
    static let vethPrefix = "sbv"
    /// Temporary names of steps' namespaces under /run/netns: `swiftbuild-PID-N`.
    static let namespacePrefix = "swiftbuild-"
    /// swiftbuild's own chains; the built-in chains get one jump rule each.
    static let natChain = "SWIFTBUILD-POSTROUTING"
    static let forwardChain = "SWIFTBUILD-FORWARD"
    static let inputChain = "SWIFTBUILD-INPUT"

    /// The host end of the veth of the step at `address`.
    static func vethName(address: UInt32, in subnet: IPv4Subnet) -> String {
        vethPrefix + String(address & ~subnet.mask, radix: 16)
    }

    /// `iptables` argument lists that make swiftbuild's chains and jumps for `subnet`:
    /// outbound traffic from the bridge is masqueraded; forwarding from the bridge, and
    /// replies back to it, are accepted ahead of the host's own FORWARD rules; packets from
    /// the bridge to 127.0.0.0/8 are dropped (the kernel already refuses them as martians
    /// unless `route_localnet` is set; this keeps it so if it is).
    static func setupRules(_ subnet: IPv4Subnet) -> [[String]] {
        [
            ["-t", "nat", "-N", natChain],
            ["-t", "nat", "-A", natChain, "-s", subnet.description, "!", "-o", bridge, "-j", "MASQUERADE"],
            ["-t", "nat", "-I", "POSTROUTING", "-j", natChain],
            ["-t", "filter", "-N", forwardChain],
            ["-t", "filter", "-A", forwardChain, "-i", bridge, "!", "-o", bridge, "-j", "ACCEPT"],
            [
                "-t", "filter", "-A", forwardChain, "-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
                "-j", "ACCEPT"
            ],
            ["-t", "filter", "-I", "FORWARD", "-j", forwardChain],
            ["-t", "filter", "-N", inputChain],
            ["-t", "filter", "-A", inputChain, "-i", bridge, "-d", "127.0.0.0/8", "-j", "DROP"],
            ["-t", "filter", "-I", "INPUT", "-j", inputChain]
        ]
    }

    /// `iptables` argument lists that remove what ``setupRules(_:)`` made, whatever the
    /// subnet was; each may fail when its rule or chain is already gone.
    static let teardownRules: [[String]] = [
        ["-t", "nat", "-D", "POSTROUTING", "-j", natChain],
        ["-t", "nat", "-F", natChain],
        ["-t", "nat", "-X", natChain],
        ["-t", "filter", "-D", "FORWARD", "-j", forwardChain],
        ["-t", "filter", "-F", forwardChain],
        ["-t", "filter", "-X", forwardChain],
        ["-t", "filter", "-D", "INPUT", "-j", inputChain],
        ["-t", "filter", "-F", inputChain],
        ["-t", "filter", "-X", inputChain]
    ]

    /// `ip` argument lists that give the namespace `namespace` a veth to the bridge, the
    /// step's address and a default route via the bridge.
    static func stepCommands(namespace: String, address: UInt32, subnet: IPv4Subnet) -> [[String]] {
        let veth = vethName(address: address, in: subnet)
        return [
            ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace],
            ["link", "set", veth, "master", bridge, "up"],
            ["-n", namespace, "addr", "add", "\(IPv4Subnet.format(address))/\(subnet.prefixLength)", "dev", "eth0"],
            ["-n", namespace, "link", "set", "lo", "up"],
            ["-n", namespace, "link", "set", "eth0", "up"],
            ["-n", namespace, "route", "add", "default", "via", IPv4Subnet.format(subnet.gateway)]
        ]
    }

    /// The first route of `ip -4 route show` output (not one of the bridge's own) whose
    /// destination overlaps `subnet`, as printed; nil when none does. The default route
    /// overlaps everything and is skipped.
    static func conflictingRoute(_ routes: String, subnet: IPv4Subnet) -> String? {
        for line in routes.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let destination = words.first, destination != "default" else { continue }
            if let index = words.firstIndex(of: "dev"), index + 1 < words.count, words[index + 1] == bridge { continue }
            // Host routes may be /31 or /32, which IPv4Subnet(_:) refuses for steps.
            let parts = destination.split(separator: "/").map(String.init)
            let range = IPv4Subnet.parseAddress(parts[0]).map { address in
                IPv4Subnet(uncheckedNetwork: address, prefixLength: parts.count == 2 ? Int(parts[1]).map { min(max($0, 0), 32) } ?? 32 : 32)
            }
            if let range, range.overlaps(subnet) { return String(line) }
        }
        return nil
    }

    /// The step's resolv.conf from the host's: nameservers on loopback (systemd-resolved's
    /// 127.0.0.53, a local dnsmasq) are unreachable from the step's namespace, so they are
    /// replaced by `upstream`'s (systemd-resolved's /run/systemd/resolve/resolv.conf) that
    /// are not; IPv6 nameservers are dropped (the step has no IPv6 route). Every other line
    /// (search, options) is kept.
    static func resolvConf(host: String, upstream: String?) -> String {
        var lines: [String] = []
        var replaced = false
        for line in host.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            guard let server = nameserver(line) else {
                lines.append(line)
                continue
            }
            if let address = IPv4Subnet.parseAddress(server) {
                if address >> 24 == 127 {
                    if !replaced, let upstream {
                        replaced = true
                        lines += upstream.split(separator: "\n").map(String.init).filter { line in
                            guard let server = nameserver(line), let address = IPv4Subnet.parseAddress(server) else { return false }
                            return address >> 24 != 127
                        }
                    }
                } else {
                    lines.append(line)
                }
            }
        }
        var text = lines.joined(separator: "\n")
        if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    /// The address of a `nameserver ADDRESS` line.
    private static func nameserver(_ line: String) -> String? {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2, words[0] == "nameserver" else { return nil }
        return String(words[1])
    }
}

extension IPv4Subnet {
    /// A range without the checks of ``init(_:)`` (for host routes, which may be /31 or /32).
    init(uncheckedNetwork: UInt32, prefixLength: Int) {
        self.network = uncheckedNetwork & Self.mask(prefixLength)
        self.prefixLength = prefixLength
    }
}

/// What /run/swiftbuild/network/state records, under its lock: the subnet the bridge has,
/// whether swiftbuild turned IP forwarding on (to turn it off again), and one lease per
/// private step running (its swiftbuild's pid and that process's start time, so that a
/// recycled pid is not taken for the dead one, and the address).
struct BridgeState: Equatable {
    struct Lease: Equatable {
        var pid: Int32
        var startTime: UInt64
        var address: UInt32
    }

    var subnet: IPv4Subnet?
    var enabledForwarding = false
    var leases: [Lease] = []

    init(subnet: IPv4Subnet? = nil, enabledForwarding: Bool = false, leases: [Lease] = []) {
        self.subnet = subnet
        self.enabledForwarding = enabledForwarding
        self.leases = leases
    }

    /// Parses the file; lines it does not understand are ignored (a torn write after a
    /// crash reads as fewer leases, whose steps are gone anyway).
    init(parsing text: String) {
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            switch words.first {
            case "subnet" where words.count == 2: subnet = IPv4Subnet(words[1])
            case "forwarding" where words.count == 2: enabledForwarding = words[1] == "enabled-by-swiftbuild"
            case "lease" where words.count == 4:
                if let pid = Int32(words[1]), let start = UInt64(words[2]), let address = IPv4Subnet.parseAddress(words[3]) {
                    leases.append(Lease(pid: pid, startTime: start, address: address))
                }
            default: continue
            }
        }
    }

    var text: String {
        var lines: [String] = []
        if let subnet { lines.append("subnet \(subnet)") }
        if enabledForwarding { lines.append("forwarding enabled-by-swiftbuild") }
        for lease in leases {
            lines.append("lease \(lease.pid) \(lease.startTime) \(IPv4Subnet.format(lease.address))")
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
