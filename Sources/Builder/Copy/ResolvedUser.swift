/// The identity a process runs as: what ``UserDatabase/resolve(_:)`` makes of `USER`.
public struct ResolvedUser: Sendable, Hashable {
    /// The user id.
    public var uid: UInt32
    /// The primary group id.
    public var gid: UInt32
    /// The other groups the user is a member of in `/etc/group`.
    public var supplementaryGroups: [UInt32]

    /// An identity.
    public init(uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32] = []) {
        self.uid = uid
        self.gid = gid
        self.supplementaryGroups = supplementaryGroups
    }
}
