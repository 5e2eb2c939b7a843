import CSandbox
import Glibc
import System

/// Rootless mode: an unprivileged user's swiftbuild enters a user namespace of its own in
/// which it is root, as rootless podman and buildah do, so that the store, overlay
/// snapshots, `chown` during extraction and the RUN sandbox work unchanged inside it.
///
/// Namespace root is the user; IDs 1... are the user's subordinate range from
/// `/etc/subuid` and `/etc/subgid`, mapped by the setuid `newuidmap`/`newgidmap`
/// (Debian's `uidmap`). Without a range or those programs, the process maps only itself:
/// everything still works but a `chown` to any ID other than 0 (``warning`` says so once).
///
/// Called first thing in a synchronous `main`, before any thread exists (a multithreaded
/// process cannot enter a user namespace), and before ``MountNamespaceStatus/enterPrivate()``,
/// which then makes the private mount namespace owned by the new user namespace.
public enum UserNamespaceEntry {
    /// What ``enterIfUnprivileged()`` did.
    public enum Outcome: Sendable, Equatable {
        /// The process runs as the host's root: nothing to do.
        case notNeeded
        /// The process is root in its own user namespace with `mapping`; `warning`, when
        /// set, tells the user what a single-ID mapping limits and how to add a range.
        case entered(mapping: IDMapping, warning: String?)
        /// The namespace could not be entered (unprivileged user namespaces disabled, ...).
        case failed(String)
    }

    /// Enters the user namespace when the process is not root (see the type's doc).
    public static func enterIfUnprivileged() -> Outcome {
        guard geteuid() != 0 else { return .notNeeded }
        let uid = getuid()
        let gid = getgid()
        let userName = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        let groupName = getgrgid(gid).flatMap { $0.pointee.gr_name.map { String(cString: $0) } }
        let subordinateUsers = SubordinateIDs.ranges(
            in: readSmallFile("/etc/subuid") ?? "", name: userName, id: uid)
        let subordinateGroups = SubordinateIDs.ranges(
            in: readSmallFile("/etc/subgid") ?? "", name: userName ?? groupName, id: uid)
        let newuidmap = findProgram("newuidmap")
        let newgidmap = findProgram("newgidmap")

        var result = csandbox_user_namespace_result()
        let pid = getpid()
        let status: Int32
        if let newuidmap, let newgidmap, !subordinateUsers.isEmpty, !subordinateGroups.isEmpty {
            let uidArguments = [newuidmap, String(pid)] + SubordinateIDs.mapArguments(ownID: uid, ranges: subordinateUsers)
            let gidArguments = [newgidmap, String(pid)] + SubordinateIDs.mapArguments(ownID: gid, ranges: subordinateGroups)
            status = withCStringArray(uidArguments) { uidArgv in
                withCStringArray(gidArguments) { gidArgv in
                    csandbox_enter_user_namespace(uidArgv, gidArgv, &result)
                }
            }
        } else {
            status = csandbox_enter_user_namespace(nil, nil, &result)
        }
        guard status == 0 else {
            let error = SystemError(
                operation: result.failed_step.map { String(cString: $0) } ?? "enter a user namespace", code: errno)
            return .failed(Self.failureMessage(error))
        }
        let mapping = IDMapping(
            userIDCount: SubordinateIDs.mappedCount(fromMap: readSmallFile("/proc/self/uid_map") ?? ""),
            groupIDCount: SubordinateIDs.mappedCount(fromMap: readSmallFile("/proc/self/gid_map") ?? ""))
        RootlessProcess.markEntered(mapping: mapping)
        guard result.single_user_id != 0 || result.single_group_id != 0 else {
            return .entered(mapping: mapping, warning: nil)
        }
        let why: String
        if newuidmap == nil || newgidmap == nil {
            why = "newuidmap and newgidmap are not installed (Debian: apt-get install uidmap)"
        } else if subordinateUsers.isEmpty || subordinateGroups.isEmpty {
            why = "\(userName ?? String(uid)) has no subordinate IDs in /etc/subuid and /etc/subgid"
        } else {
            why = "newuidmap/newgidmap failed (exit status \(result.uid_helper_status)/\(result.gid_helper_status))"
        }
        let warning = """
            warning: rootless with a single-ID mapping: \(why). Only ID 0 (you) exists in the build: \
            a chown to another ID fails, and files of other owners in base images become root's. \
            To add a range: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 \(userName ?? String(uid))
            """
        return .entered(mapping: mapping, warning: warning)
    }

    /// The message for a failed entry, with what usually causes it.
    static func failureMessage(_ error: SystemError) -> String {
        var message = "cannot run rootless: \(error.operation): \(error.errnoDescription)"
        if error.code == EPERM || error.code == ENOSPC || error.code == EACCES {
            message += """
                . Unprivileged user namespaces are disabled or exhausted on this host \
                (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces, an AppArmor \
                or container policy); run swiftbuild as root or allow them
                """
        }
        return message
    }

    /// `name` in the usual places of setuid helpers, else in `PATH`.
    static func findProgram(_ name: String) -> String? {
        var directories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        if let path = getenv("PATH") {
            directories += String(cString: path).split(separator: ":").map(String.init)
        }
        for directory in directories where directory.hasPrefix("/") {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// A small text file read with plain system calls (no Foundation, no threads), or nil.
    static func readSmallFile(_ path: String) -> String? {
        let file = FileDescriptor(adopting: open(path, O_RDONLY | O_CLOEXEC))
        guard file.rawValue >= 0 else { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { raw in
                retryingOnInterrupt { read(file.rawValue, raw.baseAddress, raw.count) }
            }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func withCStringArray<Result>(
        _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
    ) -> Result {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// The subordinate ID ranges of `/etc/subuid` and `/etc/subgid` (pure: parsing and the
/// map lines, unit-tested).
public enum SubordinateIDs {
    /// A range: `count` IDs from `start` on the host.
    public struct Range: Sendable, Equatable {
        public var start: UInt32
        public var count: UInt32
        public init(start: UInt32, count: UInt32) {
            self.start = start
            self.count = count
        }
    }

    /// The ranges of the user named `name` or numbered `id`, in file order (lines
    /// `name:start:count` or `id:start:count`; others and comments are skipped).
    public static func ranges(in contents: String, name: String?, id: UInt32) -> [Range] {
        contents.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, !line.hasPrefix("#") else { return nil }
            let owner = String(fields[0])
            guard owner == name || owner == String(id),
                let start = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0,
                UInt64(start) + UInt64(count) <= UInt64(UInt32.max)
            else { return nil }
            return Range(start: start, count: count)
        }
    }

    /// The arguments after the pid for `newuidmap`/`newgidmap`: 0 is the user's own ID,
    /// 1... the ranges one after another (as podman maps them).
    public static func mapArguments(ownID: UInt32, ranges: [Range]) -> [String] {
        var arguments = ["0", String(ownID), "1"]
        var next: UInt64 = 1
        for range in ranges where next + UInt64(range.count) <= UInt64(UInt32.max) {
            arguments += [String(next), String(range.start), String(range.count)]
            next += UInt64(range.count)
        }
        return arguments
    }

    /// How many IDs from 0 a `uid_map`/`gid_map` maps contiguously (inside ID, host ID,
    /// count per line).
    public static func mappedCount(fromMap contents: String) -> UInt32 {
        var lines: [(inside: UInt64, count: UInt64)] = []
        for line in contents.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 3, let inside = UInt64(fields[0]), let count = UInt64(fields[2]) else { continue }
            lines.append((inside, count))
        }
        var covered: UInt64 = 0
        while let line = lines.first(where: { $0.inside == covered }) {
            covered += line.count
            if covered >= UInt64(UInt32.max) { return .max }
        }
        return UInt32(covered)
    }
}
