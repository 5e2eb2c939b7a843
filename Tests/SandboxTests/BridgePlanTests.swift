import Testing

@testable import Sandbox

/// The pure half of `--network private`: subnets, address allocation, the route check,
/// the iptables rules, the shared state file and the step's resolv.conf. No root needed.
@Suite("Private network plan")
struct BridgePlanTests {
    @Test("subnets parse only as networks with room for a gateway and a step")
    func subnetParsing() throws {
        let subnet = try #require(IPv4Subnet("10.213.0.0/16"))
        #expect(subnet.description == "10.213.0.0/16")
        #expect(IPv4Subnet.format(subnet.gateway) == "10.213.0.1")
        for bad in [
            "10.213.0.1/16", "10.213.0.0", "10.213.0.0/31", "10.213.0.0/0", "10.213.0/16", "256.0.0.0/8", "+1.0.0.0/8", "a.b.c.d/8",
            "10.0.0.0/16/1", ""
        ] {
            #expect(IPv4Subnet(bad) == nil, "\(bad)")
        }
        #expect(IPv4Subnet.default.description == "10.213.0.0/16")
    }

    @Test("addresses skip the gateway, the broadcast address and the ones in use")
    func allocation() throws {
        let subnet = try #require(IPv4Subnet("192.168.7.0/29"))
        let first = try #require(subnet.firstFreeAddress(excluding: []))
        #expect(IPv4Subnet.format(first) == "192.168.7.2")
        let second = try #require(subnet.firstFreeAddress(excluding: [first]))
        #expect(IPv4Subnet.format(second) == "192.168.7.3")
        let used = Set((2...6).map { subnet.network + UInt32($0) })
        #expect(subnet.firstFreeAddress(excluding: used) == nil)
        #expect(subnet.firstFreeAddress(excluding: used.subtracting([subnet.network + 4])) == subnet.network + 4)
    }

    @Test("a subnet that overlaps a host route other than the bridge's is found")
    func routeConflicts() throws {
        let routes = """
            default via 192.0.2.1 dev eth0
            10.88.0.0/16 dev cni-podman0 proto kernel scope link src 10.88.0.1 linkdown
            10.213.0.0/16 dev swiftbuild0 proto kernel scope link src 10.213.0.1
            192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2
            172.20.1.5 via 192.0.2.1 dev eth0
            """
        #expect(BridgePlan.conflictingRoute(routes, subnet: .default) == nil)
        #expect(
            BridgePlan.conflictingRoute(routes, subnet: try #require(IPv4Subnet("10.88.0.0/16")))
                == "10.88.0.0/16 dev cni-podman0 proto kernel scope link src 10.88.0.1 linkdown")
        #expect(BridgePlan.conflictingRoute(routes, subnet: try #require(IPv4Subnet("10.0.0.0/8"))) != nil)
        #expect(BridgePlan.conflictingRoute(routes, subnet: try #require(IPv4Subnet("172.20.0.0/16")))?.hasPrefix("172.20.1.5") == true)
        #expect(BridgePlan.conflictingRoute(routes, subnet: try #require(IPv4Subnet("172.21.0.0/16"))) == nil)
    }

    @Test("the rules live in swiftbuild's chains and the teardown removes each of them")
    func rules() throws {
        let rules = BridgePlan.setupRules(try #require(IPv4Subnet("10.9.0.0/24")))
        #expect(
            rules.contains(["-t", "nat", "-A", "SWIFTBUILD-POSTROUTING", "-s", "10.9.0.0/24", "!", "-o", "swiftbuild0", "-j", "MASQUERADE"])
        )
        // Every rule added goes into swiftbuild's own chains, but one jump per built-in chain.
        let jumps = rules.filter { $0.contains("-I") }
        #expect(jumps.map { $0[3] }.sorted() == ["FORWARD", "INPUT", "POSTROUTING"])
        for rule in rules where rule.contains("-A") {
            #expect(rule[3].hasPrefix("SWIFTBUILD-"))
        }
        // Each jump and chain made has its removal.
        for jump in jumps {
            var deletion = jump
            deletion[2] = "-D"
            #expect(BridgePlan.teardownRules.contains(deletion))
        }
        for chain in rules.filter({ $0.contains("-N") }) {
            var deletion = chain
            deletion[2] = "-X"
            #expect(BridgePlan.teardownRules.contains(deletion))
        }
    }

    @Test("a step's namespace gets a veth named after its address, the address and a default route")
    func stepCommands() throws {
        let subnet = try #require(IPv4Subnet("10.213.0.0/16"))
        let address = try #require(IPv4Subnet.parseAddress("10.213.1.2"))
        let commands = BridgePlan.stepCommands(namespace: "swiftbuild-1-x", address: address, subnet: subnet)
        #expect(commands.first == ["link", "add", "sbv102", "type", "veth", "peer", "name", "eth0", "netns", "swiftbuild-1-x"])
        #expect(commands.contains(["-n", "swiftbuild-1-x", "addr", "add", "10.213.1.2/16", "dev", "eth0"]))
        #expect(commands.last == ["-n", "swiftbuild-1-x", "route", "add", "default", "via", "10.213.0.1"])
        // The longest veth name of a /1 fits the kernel's 15 characters.
        let wide = try #require(IPv4Subnet("0.0.0.0/1"))
        #expect(BridgePlan.vethName(address: 0x7fff_fffe, in: wide).utf8.count <= 15)
    }

    @Test("the state file round-trips and ignores torn lines")
    func stateFile() throws {
        let state = BridgeState(
            subnet: IPv4Subnet("10.213.0.0/16"), enabledForwarding: true,
            leases: [.init(pid: 12, startTime: 345, address: 0x0AD5_0002), .init(pid: 13, startTime: 1, address: 0x0AD5_0003)])
        #expect(BridgeState(parsing: state.text) == state)
        #expect(state.text.contains("lease 12 345 10.213.0.2\n"))
        let torn = BridgeState(parsing: "subnet 10.213.0.0/16\nlease 12 345 10.213.0.2\nlease 13 1")
        #expect(torn.leases.count == 1)
        #expect(torn.enabledForwarding == false)
    }

    @Test("a loopback resolver is replaced by the upstream ones; other lines stay")
    func resolvConf() {
        let resolved =
            "# This is /run/systemd/resolve/stub-resolv.conf\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example.org\n"
        let upstream = "nameserver 192.0.2.53\nnameserver 127.0.0.1\nnameserver 2001:db8::53\nsearch example.org\n"
        #expect(
            BridgePlan.resolvConf(host: resolved, upstream: upstream)
                == "# This is /run/systemd/resolve/stub-resolv.conf\nnameserver 192.0.2.53\noptions edns0 trust-ad\nsearch example.org\n")
        // Without systemd-resolved, a loopback resolver is dropped; IPv6 ones too.
        #expect(
            BridgePlan.resolvConf(host: "nameserver 127.0.0.1\nnameserver ::1\nnameserver 10.0.0.2\n", upstream: nil)
                == "nameserver 10.0.0.2\n")
        // A reachable resolver stays as it is.
        #expect(BridgePlan.resolvConf(host: "nameserver 10.255.255.53\n", upstream: upstream) == "nameserver 10.255.255.53\n")
    }
}
