import Glibc
import OCI
import System

/// An image's `/etc/passwd` and `/etc/group`, read from inside its root filesystem (never
/// through a symlink out of it), to turn `USER` and `--chown` values into ids the way
/// BuildKit does. Neither file is needed for what BuildKit resolves without them: no
/// USER, numeric ids, `root`.
///
/// Three questions, three sets of rules, because BuildKit answers them in three places:
/// - ``runUser(_:)``: who a RUN step runs as (BuildKit's executor, then runc's
///   `GetExecUser`); a name nobody lists is an error.
/// - ``home(uid:)``: the `HOME` a RUN step gets when its environment has none (runc).
/// - ``fileOwner(_:)`` and ``owner(for:)``: who owns what WORKDIR and `--chown` write
///   (BuildKit's file operations). BuildKit quietly uses 0 for a name nobody lists;
///   ``fileOwner(_:)`` does too (WORKDIR asks for no owner explicitly), ``owner(for:)``
///   refuses (`--chown` does: see docs/dockerfile.md, Differences from BuildKit).
///
/// The files are parsed as runc's parser (moby/sys/user) reads them: lines trimmed, blank
/// lines skipped, `#` lines skipped in `/etc/group` only, a number that does not parse
/// read as 0, missing fields empty.
public struct UserDatabase: Sendable {
    /// One `/etc/passwd` line's fields that matter.
    struct User: Sendable, Equatable {
        var name: String
        var uid: Int
        var gid: Int
        var home: String
    }

    /// One `/etc/group` line's fields that matter.
    struct Group: Sendable, Equatable {
        var name: String
        var gid: Int
        var members: [String]
    }

    /// The largest id runc accepts from a user spec (2^31 - 1, for 32-bit systems).
    static let maximumID = 2_147_483_647
    /// BuildKit reads at most this much of either file.
    static let maximumFileSize = 10 << 20

    /// nil: the image has no such file.
    private let users: [User]?
    private let groups: [Group]?

    /// Reads the databases of the root filesystem at `rootDirectory`; a missing file is
    /// remembered as missing, so that only a lookup needing it fails.
    public init(root rootDirectory: String) throws(CopyError.Problem) {
        let root = try RootDirectory.opening(rootDirectory)
        self.init(passwd: try Self.read("etc/passwd", in: root), group: try Self.read("etc/group", in: root))
    }

    /// The databases with these contents (nil: the image has no such file).
    public init(passwd: String?, group: String?) {
        users = passwd.map(Self.parseUsers)
        groups = group.map(Self.parseGroups)
    }

    // MARK: RUN

    /// The identity a RUN step runs as for `USER spec` (`""` when no USER is set), as
    /// BuildKit's executor and runc resolve it:
    /// - no USER: uid 0, with root's group and supplementary groups when `/etc/passwd`
    ///   lists uid 0, else gid 0; never an error;
    /// - `uid:gid` (either may be `root`): those ids, no file read, no supplementary groups;
    /// - otherwise the user by uid or name from `/etc/passwd` (a name must be listed; a uid
    ///   need not be, and then has gid 0), an optional group by gid or name from
    ///   `/etc/group` (likewise), and, without a group, the groups listing the user's name.
    public func runUser(_ spec: String) throws(UserLookupError) -> ResolvedUser {
        if spec.isEmpty {
            return (try? execUser("0")) ?? ResolvedUser(uid: 0, gid: 0)
        }
        if let ids = Self.numericPair(spec) {
            return ResolvedUser(uid: ids.uid, gid: ids.gid)
        }
        return try execUser(spec)
    }

    /// runc's `GetExecUser` with no defaults (uid 0, gid 0).
    private func execUser(_ spec: String) throws(UserLookupError) -> ResolvedUser {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let userArgument = parts[0]
        let groupArgument = parts.count > 1 ? parts[1] : ""
        let uidArgument = try Self.numericArgument(userArgument)
        let gidArgument = try Self.numericArgument(groupArgument)

        let matched = users?.first { entry in
            if userArgument.isEmpty { return entry.uid == 0 }
            if let uidArgument { return entry.uid == uidArgument }
            return entry.name == userArgument
        }
        var uid = 0, gid = 0
        var supplementary: [Int] = []
        if let matched {
            uid = matched.uid
            gid = matched.gid
        } else if !userArgument.isEmpty {
            guard let uidArgument else { throw UserLookupError(value: userArgument, file: "/etc/passwd", reason: .unknownName) }
            uid = uidArgument
        }
        let matchedName = matched?.name ?? ""
        if !groupArgument.isEmpty {
            let group = groups?.first { entry in
                if let gidArgument { return entry.gid == gidArgument }
                return entry.name == groupArgument
            }
            if let group {
                gid = group.gid
            } else {
                guard let gidArgument else { throw UserLookupError(value: groupArgument, file: "/etc/group", reason: .unknownName) }
                gid = gidArgument
            }
        } else if !matchedName.isEmpty {
            supplementary = (groups ?? []).filter { $0.members.contains(matchedName) }.map(\.gid)
        }
        return ResolvedUser(
            uid: UInt32(truncatingIfNeeded: uid), gid: UInt32(truncatingIfNeeded: gid),
            supplementaryGroups: supplementary.map { UInt32(truncatingIfNeeded: $0) })
    }

    /// BuildKit's fast path: `uid:gid`, each a number or `root`, needs no file.
    static func numericPair(_ spec: String) -> (uid: UInt32, gid: UInt32)? {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let uid = executorID(parts[0]), let gid = executorID(parts[1]) else { return nil }
        return (uid, gid)
    }

    /// An id as BuildKit's executor parses one: `root` is 0, else decimal digits that fit 32 bits.
    private static func executorID(_ text: Substring) -> UInt32? {
        text == "root" ? 0 : (text.allSatisfy(\.isASCIIDigit) ? UInt32(text) : nil)
    }

    /// A user or group argument that is a number (Go's `Atoi`: an optional sign, then
    /// digits), or nil for a name; a number outside 0...2^31-1 is an error, as in runc.
    private static func numericArgument(_ text: String) throws(UserLookupError) -> Int? {
        guard let value = goAtoi(text) else { return nil }
        guard value.inRange, (0...maximumID).contains(value.number) else {
            throw UserLookupError(value: text, file: nil, reason: .outOfRange)
        }
        return value.number
    }

    /// The groups a RUN step's process gets with `setgroups` as `user`: none when the
    /// image has no `/etc/group` (BuildKit adds the additional groups only from that file,
    /// so `id` says `uid=0 gid=0`), else ``ResolvedUser/processGroups``.
    public func processGroups(of user: ResolvedUser) -> [UInt32] {
        groups == nil ? [] : user.processGroups
    }

    /// The `HOME` runc gives a process without one: the home of the first `/etc/passwd`
    /// entry with that uid, else `/`.
    public func home(uid: UInt32) -> String {
        users?.first { $0.uid == Int(uid) }?.home ?? "/"
    }

    // MARK: Files

    /// The owner BuildKit's file operations give what WORKDIR creates under `USER spec`:
    /// `user[:group]`, each a number, `root` or a name; a number alone is also the group,
    /// a name alone brings its primary group. A name nobody lists (or no file) counts as
    /// 0, as in BuildKit; no USER is `0:0`.
    public func fileOwner(_ spec: String) -> FileOwner {
        (try? fileOwner(spec, strict: false)) ?? .root
    }

    /// The numeric owner for `--chown=spec`, as ``fileOwner(_:)`` but a name that is not
    /// listed (or a missing file) is an error instead of 0, and so is an empty part.
    public func owner(for spec: String) throws(UserLookupError) -> FileOwner {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty else {
            throw UserLookupError(value: spec, file: "/etc/passwd", reason: .malformed)
        }
        return try fileOwner(spec, strict: true)
    }

    private func fileOwner(_ spec: String, strict: Bool) throws(UserLookupError) -> FileOwner {
        guard !spec.isEmpty else { return .root }
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var uid: UInt32 = 0, gid: UInt32 = 0
        if let id = Self.fileID(parts[0]) {
            uid = id
            gid = id
        } else if let entry = users?.first(where: { $0.name == parts[0] }) {
            uid = UInt32(truncatingIfNeeded: entry.uid)
            gid = UInt32(truncatingIfNeeded: entry.gid)
        } else if strict {
            throw UserLookupError(value: parts[0], file: "/etc/passwd", reason: users == nil ? .missingFile : .unknownName)
        }
        if parts.count == 2 {
            if let id = Self.fileID(parts[1]) {
                gid = id
            } else if let entry = groups?.first(where: { $0.name == parts[1] }) {
                gid = UInt32(truncatingIfNeeded: entry.gid)
            } else if strict {
                throw UserLookupError(value: parts[1], file: "/etc/group", reason: groups == nil ? .missingFile : .unknownName)
            }
        }
        return FileOwner(uid: uid, gid: gid)
    }

    /// An id as BuildKit's LLB client parses one for a file operation: `root` is 0, the
    /// empty string is 0 (an empty name is sent as id 0), else a signed 32-bit number.
    private static func fileID(_ text: String) -> UInt32? {
        if text == "root" || text.isEmpty { return 0 }
        guard let value = goAtoi(text), value.inRange, let number = Int32(exactly: value.number) else { return nil }
        return UInt32(bitPattern: number)
    }

    // MARK: Reading

    /// The text of `relative` inside `root`, or nil when it does not exist (or is not a
    /// regular file, as for BuildKit).
    private static func read(_ relative: String, in root: RootDirectory) throws(CopyError.Problem) -> String? {
        let descriptorFile = FileDescriptor(adopting: root.openInRoot(relative, flags: O_RDONLY | O_NONBLOCK))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .system(path: root.display(relative), .last("open"))
        }
        guard try FileStatus(descriptor: descriptor, path: root.display(relative)).isRegularFile else { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = retryingOnInterrupt { buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) } }
            if count < 0 {
                throw .system(path: root.display(relative), .last("read"))
            }
            if count == 0 { break }
            bytes += buffer[..<count]
            guard bytes.count <= maximumFileSize else {
                throw .system(
                    path: root.display(relative), SystemError(operation: "read (it exceeds \(maximumFileSize) bytes)", code: EFBIG))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `name:password:uid:gid:gecos:home:shell` lines, as runc reads them.
    static func parseUsers(_ text: String) -> [User] {
        lines(of: text).map { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            func field(_ index: Int) -> String { index < fields.count ? String(fields[index]) : "" }
            return User(
                name: field(0), uid: goAtoi(field(2))?.number ?? 0, gid: goAtoi(field(3))?.number ?? 0,
                home: field(5))
        }
    }

    /// `name:password:gid:members` lines, as runc reads them (`#` lines are comments).
    static func parseGroups(_ text: String) -> [Group] {
        lines(of: text).filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            let members =
                fields.count > 3 && !fields[3].isEmpty
                ? fields[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            return Group(
                name: String(fields[0]), gid: fields.count > 2 ? goAtoi(String(fields[2]))?.number ?? 0 : 0,
                members: members)
        }
    }

    /// The non-blank lines, trimmed of whitespace.
    private static func lines(of text: String) -> [Substring] {
        // "\r\n" is one Character in Swift: a separator of its own.
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// Go's `strconv.Atoi`: an optional sign and decimal digits, or nil. Out of the 64-bit
    /// range it gives the nearest bound, and `inRange` is false.
    static func goAtoi(_ text: String) -> (number: Int, inRange: Bool)? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        guard let number = Int((negative ? "-" : "") + digits) else { return (negative ? Int.min : Int.max, false) }
        return (number, true)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
