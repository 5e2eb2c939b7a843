/// The identity a process runs as: what ``UserDatabase/runUser(_:)`` makes of `USER`.
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

    /// The groups the process gets with `setgroups` when the image has `/etc/group`, as
    /// BuildKit passes them to runc: the supplementary groups, with the primary group put
    /// first unless it is among them (without the file, none: see
    /// ``UserDatabase/processGroups(of:)``).
    public var processGroups: [UInt32] {
        supplementaryGroups.contains(gid) ? supplementaryGroups : [gid] + supplementaryGroups
    }
}
