#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `*at` system calls with names as ``FileName`` strings: each passes the name's
/// real bytes and returns what the call returns, with `errno` set as it left it.
extension FileName {
    public static func openat(_ directory: Int32, _ name: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        withCString(name) { Glibc.openat(directory, $0, flags, mode) }
    }

    public static func mkdirat(_ directory: Int32, _ name: String, _ mode: mode_t) -> Int32 {
        withCString(name) { Glibc.mkdirat(directory, $0, mode) }
    }

    public static func unlinkat(_ directory: Int32, _ name: String, _ flags: Int32) -> Int32 {
        withCString(name) { Glibc.unlinkat(directory, $0, flags) }
    }

    public static func fstatat(_ directory: Int32, _ name: String, _ status: inout stat, _ flags: Int32) -> Int32 {
        withCString(name) { Glibc.fstatat(directory, $0, &status, flags) }
    }

    /// A symlink `name` in `directory` whose target is the bytes `target`.
    public static func symlinkat(_ target: [UInt8], _ directory: Int32, _ name: String) -> Int32 {
        var terminated = target.map { CChar(bitPattern: $0) }
        terminated.append(0)
        return withCString(name) { name in Glibc.symlinkat(terminated, directory, name) }
    }

    public static func linkat(_ fromDirectory: Int32, _ from: String, _ toDirectory: Int32, _ to: String, _ flags: Int32) -> Int32 {
        withCString(from) { from in withCString(to) { to in Glibc.linkat(fromDirectory, from, toDirectory, to, flags) } }
    }

    public static func renameat(_ fromDirectory: Int32, _ from: String, _ toDirectory: Int32, _ to: String) -> Int32 {
        withCString(from) { from in withCString(to) { Glibc.renameat(fromDirectory, from, toDirectory, $0) } }
    }

    public static func mknodat(_ directory: Int32, _ name: String, _ mode: mode_t, _ device: dev_t) -> Int32 {
        withCString(name) { Glibc.mknodat(directory, $0, mode, device) }
    }

    public static func fchownat(_ directory: Int32, _ name: String, _ uid: uid_t, _ gid: gid_t, _ flags: Int32) -> Int32 {
        withCString(name) { Glibc.fchownat(directory, $0, uid, gid, flags) }
    }

    public static func fchmodat(_ directory: Int32, _ name: String, _ mode: mode_t, _ flags: Int32) -> Int32 {
        withCString(name) { Glibc.fchmodat(directory, $0, mode, flags) }
    }

    public static func utimensat(_ directory: Int32, _ name: String, _ times: [timespec], _ flags: Int32) -> Int32 {
        withCString(name) { Glibc.utimensat(directory, $0, times, flags) }
    }

    /// The target of the symlink `name` in `directory`, as stored; nil with `errno` set.
    public static func readlinkat(_ directory: Int32, _ name: String) -> [UInt8]? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = withCString(name) { Glibc.readlinkat(directory, $0, &buffer, buffer.count - 1) }
        guard count >= 0 else { return nil }
        return buffer[..<count].map { UInt8(bitPattern: $0) }
    }

    /// The target of the symlink at `path`, decoded; nil with `errno` set.
    public static func readlink(_ path: String) -> String? {
        readlinkat(AT_FDCWD, path).map(decode)
    }

    public static func lstat(_ path: String, _ status: inout stat) -> Int32 {
        fstatat(AT_FDCWD, path, &status, AT_SYMLINK_NOFOLLOW)
    }

    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        openat(AT_FDCWD, path, flags, mode)
    }
}
