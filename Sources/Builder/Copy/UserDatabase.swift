import Glibc
import OCI

/// An image's `/etc/passwd` and `/etc/group`, read from inside its root filesystem (never
/// through a symlink out of it), to resolve `--chown` values the way BuildKit does.
///
/// `user` and `user:group` take names or numeric ids. With a user name alone, the group
/// is that user's primary group; with a numeric uid alone, the gid is the same number.
/// Numeric ids need no database; names missing from it are errors naming the file.
/// ``resolve(_:)`` answers the `USER` question instead, the way runc does.
public struct UserDatabase: Sendable {
    /// One `/etc/passwd` line's fields that matter.
    struct User: Sendable {
        var name: String
        var uid: UInt32
        var gid: UInt32
    }

    /// One `/etc/group` line's fields that matter.
    struct Group: Sendable {
        var name: String
        var gid: UInt32
        var members: [String]
    }

    private let users: [User]?
    private let groups: [Group]?

    /// Reads the databases of the root filesystem at `rootDirectory`; a missing file is
    /// remembered as missing, so that only a lookup needing it fails.
    public init(root rootDirectory: String) throws(CopyError.Problem) {
        let root = try RootDirectory(path: rootDirectory)
        users = try Self.read("etc/passwd", in: root).map(Self.parseUsers)
        groups = try Self.read("etc/group", in: root).map(Self.parseGroups)
    }

    /// The numeric owner for `spec` (`user`, `user:group`, `uid`, `uid:gid`, mixed).
    public func owner(for spec: String) throws(UserLookupError) -> FileOwner {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let userPart = parts.first, !userPart.isEmpty, parts.count == 1 || !parts[1].isEmpty else {
            throw UserLookupError(value: spec, file: "/etc/passwd", reason: .malformed)
        }
        let user = try resolveUser(userPart)
        guard parts.count == 2 else { return FileOwner(uid: user.uid, gid: user.primaryGroup) }
        return FileOwner(uid: user.uid, gid: try resolveGroup(parts[1]))
    }

    /// The identity a `RUN` step runs as for `USER spec`, as runc resolves it: a name or
    /// uid from `/etc/passwd` (a uid not listed is used as is, with gid 0), an optional
    /// group by name or gid, and the supplementary groups listing the user's name.
    public func resolve(_ spec: String) throws(UserLookupError) -> ResolvedUser {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let userPart = parts.first, !userPart.isEmpty, parts.count == 1 || !parts[1].isEmpty else {
            throw UserLookupError(value: spec, file: "/etc/passwd", reason: .malformed)
        }
        let entry: User?
        if let uid = UInt32(userPart) {
            entry = users?.first { $0.uid == uid } ?? User(name: "", uid: uid, gid: 0)
        } else {
            guard let users else { throw UserLookupError(value: userPart, file: "/etc/passwd", reason: .missingFile) }
            entry = users.first { $0.name == userPart }
        }
        guard let entry else { throw UserLookupError(value: userPart, file: "/etc/passwd", reason: .unknownName) }
        let gid = parts.count == 2 ? try resolveGroup(parts[1]) : entry.gid
        let supplementary = parts.count == 2 || entry.name.isEmpty
            ? []
            : (groups ?? []).filter { $0.members.contains(entry.name) }.map(\.gid)
        return ResolvedUser(uid: entry.uid, gid: gid, supplementaryGroups: supplementary)
    }

    private func resolveUser(_ value: String) throws(UserLookupError) -> (uid: UInt32, primaryGroup: UInt32) {
        if let uid = UInt32(value) {
            // BuildKit gives a bare numeric uid the same number as gid, passwd or not.
            return (uid, uid)
        }
        guard let users else { throw UserLookupError(value: value, file: "/etc/passwd", reason: .missingFile) }
        guard let entry = users.first(where: { $0.name == value }) else {
            throw UserLookupError(value: value, file: "/etc/passwd", reason: .unknownName)
        }
        return (entry.uid, entry.gid)
    }

    private func resolveGroup(_ value: String) throws(UserLookupError) -> UInt32 {
        if let gid = UInt32(value) { return gid }
        guard let groups else { throw UserLookupError(value: value, file: "/etc/group", reason: .missingFile) }
        guard let gid = groups.first(where: { $0.name == value })?.gid else { throw UserLookupError(value: value, file: "/etc/group", reason: .unknownName) }
        return gid
    }

    /// The text of `relative` inside `root`, or nil when it does not exist.
    private static func read(_ relative: String, in root: RootDirectory) throws(CopyError.Problem) -> String? {
        let descriptor = root.openInRoot(relative, flags: O_RDONLY)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .system(path: root.display(relative), .current("open"))
        }
        defer { close(descriptor) }
        guard try FileStatus(descriptor: descriptor, path: root.display(relative)).isRegularFile else { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(path: root.display(relative), .current("read"))
            }
            if count == 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `name:password:uid:gid:...` lines; malformed lines are skipped, as libc does.
    static func parseUsers(_ text: String) -> [User] {
        fields(of: text).compactMap { fields in
            guard fields.count >= 4, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
            return User(name: fields[0], uid: uid, gid: gid)
        }
    }

    /// `name:password:gid:members` lines.
    static func parseGroups(_ text: String) -> [Group] {
        fields(of: text).compactMap { fields in
            guard fields.count >= 3, let gid = UInt32(fields[2]) else { return nil }
            let members = fields.count > 3 ? fields[3].split(separator: ",").map(String.init) : []
            return Group(name: fields[0], gid: gid, members: members)
        }
    }

    private static func fields(of text: String) -> [[String]] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
