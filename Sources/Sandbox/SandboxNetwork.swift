/// The network a step sees.
public enum SandboxNetwork: Sendable, Equatable {
    /// The host's network namespace: the step sees and uses the host's interfaces.
    case host
    /// A new, empty network namespace with only the loopback interface, up.
    case none
    /// A new network namespace with loopback and a veth pair to swiftbuild's bridge: an
    /// address from the subnet, a default route via the bridge, outbound traffic
    /// masqueraded, no way to the host's loopback (``BridgeNetwork``).
    case bridge(IPv4Subnet)
}

/// How much a step is confined beyond its namespaces, root and mounts.
public enum SandboxSecurity: Sendable, Equatable {
    /// Docker's defaults: its default capabilities but CAP_MKNOD (and CAP_NET_RAW on the
    /// host's network), its default seccomp profile, a devices cgroup.
    case sandboxed
    /// Every capability and no seccomp filter, as BuildKit's insecure mode; the namespaces,
    /// the `nodev` root and the devices cgroup stay.
    case insecure
}
