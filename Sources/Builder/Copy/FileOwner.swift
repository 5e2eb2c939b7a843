/// A numeric owner for copied files, as `--chown` resolves to.
public struct FileOwner: Sendable, Hashable, CustomStringConvertible {
    /// The user id.
    public var uid: UInt32
    /// The group id.
    public var gid: UInt32

    /// The owner `uid:gid`.
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    /// `0:0`, the owner of everything `COPY` writes unless told otherwise.
    public static let root = FileOwner(uid: 0, gid: 0)

    public var description: String { "\(uid):\(gid)" }
}
