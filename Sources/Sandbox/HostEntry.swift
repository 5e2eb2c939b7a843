/// An extra line of the step's `/etc/hosts` (`--add-host name:address`).
public struct HostEntry: Sendable, Equatable {
    /// The host name.
    public var name: String
    /// Its IPv4 or IPv6 address.
    public var address: String

    /// An entry mapping `name` to `address`.
    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }
}
