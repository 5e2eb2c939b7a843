/// The network a step sees.
public enum SandboxNetwork: Sendable, Equatable {
    /// The host's network namespace: the step sees and uses the host's interfaces.
    case host
    /// A new, empty network namespace with only the loopback interface, up.
    case none
}
