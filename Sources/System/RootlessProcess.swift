import Synchronization

/// Whether this process runs rootless: started by an unprivileged user, it entered a user
/// namespace of its own in which it is root (Sandbox's `UserNamespaceEntry`, first thing
/// in the CLI's `main`).
///
/// Inside that namespace `geteuid()` is 0, so code that must tell a real root from a
/// rootless one asks here: the store's default place (the user's data directory), the
/// overlayfs attribute namespace of snapshots (`user.overlay.*` instead of
/// `trusted.overlay.*`, which only the host's root may write), device nodes in layers
/// (which a user namespace cannot create), the RUN sandbox's `/dev` and `/sys`.
///
/// Set once by the entry, before any thread exists; a process that never entered one (root,
/// a test runner) keeps `false`, so root mode is unchanged.
public enum RootlessProcess {
    private static let flag = Atomic<Bool>(false)
    private static let mappedIDs = Mutex<IDMapping>(.identity)

    /// True once the process entered its own user namespace as an unprivileged user.
    public static var isRootless: Bool { flag.load(ordering: .acquiring) }

    /// Which IDs of the namespace map to host IDs (0 alone with a single-ID mapping).
    public static var mapping: IDMapping { mappedIDs.withLock { $0 } }

    /// Records that the process now runs rootless with `mapping` (called by the entry).
    public static func markEntered(mapping: IDMapping) {
        mappedIDs.withLock { $0 = mapping }
        flag.store(true, ordering: .releasing)
    }
}

/// The IDs a user namespace maps: the namespace side of `/proc/self/uid_map` (and gid_map).
public struct IDMapping: Sendable, Equatable {
    /// How many user IDs, from 0, are mapped (the user itself, then its subordinate range).
    public var userIDCount: UInt32
    /// How many group IDs, from 0, are mapped.
    public var groupIDCount: UInt32

    public init(userIDCount: UInt32, groupIDCount: UInt32) {
        self.userIDCount = userIDCount
        self.groupIDCount = groupIDCount
    }

    /// The initial namespace's: every ID.
    public static let identity = IDMapping(userIDCount: .max, groupIDCount: .max)

    /// Whether `uid` and `gid` both exist in the namespace (a `chown` to them can succeed).
    public func contains(uid: UInt32, gid: UInt32) -> Bool {
        (userIDCount == .max || uid < userIDCount) && (groupIDCount == .max || gid < groupIDCount)
    }
}
