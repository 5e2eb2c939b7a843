/// An IPv4 network in CIDR notation (`10.213.0.0/16`), the range `--network private`
/// allocates step addresses from.
public struct IPv4Subnet: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits zero).
    public let network: UInt32
    /// The prefix length, 1...30 (a /31 or /32 has no room for a gateway and a step).
    public let prefixLength: Int

    /// swiftbuild's default: a private range that Docker (172.17.0.0/16 and its pools),
    /// Podman (10.88.0.0/16), Kubernetes' usual service and pod ranges (10.96.0.0/12,
    /// 10.244.0.0/16) and libvirt (192.168.122.0/24) do not use.
    public static let `default` = IPv4Subnet("10.213.0.0/16")!

    /// Parses `a.b.c.d/n`; nil unless the address is dotted-quad, the prefix is 1...30 and
    /// no host bit is set.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.parseAddress(String(parts[0])),
            parts[1].allSatisfy(\.isASCII), let prefix = Int(parts[1]), (1...30).contains(prefix)
        else { return nil }
        let mask = Self.mask(prefix)
        guard address & ~mask == 0 else { return nil }
        network = address
        prefixLength = prefix
    }

    public var description: String { "\(Self.format(network))/\(prefixLength)" }

    var mask: UInt32 { Self.mask(prefixLength) }

    /// The bridge's own address: the first host address.
    public var gateway: UInt32 { network + 1 }

    /// The broadcast address (the last one), never given to a step.
    var broadcast: UInt32 { network | ~mask }

    /// Whether `address` is inside the subnet.
    public func contains(_ address: UInt32) -> Bool { address & mask == network }

    /// Whether the two ranges share an address.
    public func overlaps(_ other: IPv4Subnet) -> Bool {
        let shorter = min(prefixLength, other.prefixLength)
        let common = Self.mask(shorter)
        return network & common == other.network & common
    }

    /// The first free step address: after the gateway, before the broadcast address, not in
    /// `used`; nil when the subnet is full.
    public func firstFreeAddress(excluding used: Set<UInt32>) -> UInt32? {
        var candidate = gateway + 1
        while candidate < broadcast {
            if !used.contains(candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << (32 - prefix) }

    /// `a.b.c.d` as a number; nil for anything else (no leading `+`, no octal, four parts).
    public static func parseAddress(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard (1...3).contains(octet.count), octet.allSatisfy({ $0.isASCII && $0.isNumber }),
                let number = UInt32(octet), number <= 255
            else { return nil }
            value = value << 8 | number
        }
        return value
    }

    /// `a.b.c.d`.
    public static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 255).\(address >> 8 & 255).\(address & 255)"
    }
}
