import CSystemShim
import FileNames
import Glibc

/// Why ``RootDirectory/openDirectoryNoFollow(_:creatingWithMode:)`` stopped. `depth` is how
/// many of the components it had reached (the one that failed included), so the caller can
/// name the path in its own terms.
public enum NoFollowWalkFailure: Error, Sendable, Equatable {
    /// The component at `depth` is a symlink (or a symlink stands where a directory should).
    case throughSymlink(depth: Int)
    /// `operation` (`"mkdir"`, `"open"`, `"chmod"`, `"open directory"`) on the component at
    /// `depth` failed with `code`; depth 0 is the root itself.
    case failed(operation: String, depth: Int, code: Int32)
}

/// The part of the rooted-directory API for trees that must not follow any symlink at all
/// (a layer being extracted: its own entries may be symlinks to anywhere). Names are the
/// bytes of a tar entry; each directory is opened from its parent's descriptor with
/// `O_DIRECTORY | O_NOFOLLOW`, one component at a time, so the failing component is known
/// (a single `openat2(RESOLVE_NO_SYMLINKS)` would only say `ELOOP`).
extension RootDirectory {
    /// Opens the directory `components` below the root for reading (the root itself when
    /// empty). With `mode`, missing directories are made with it, whatever the umask.
    public func openDirectoryNoFollow(
        _ components: some Collection<[UInt8]>, creatingWithMode mode: mode_t?
    ) throws(NoFollowWalkFailure) -> FileDescriptor {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        let opened = openat(descriptor, ".", flags)
        guard opened >= 0 else { throw .failed(operation: "open directory", depth: 0, code: errno) }
        var current = FileDescriptor(adopting: opened)
        var depth = 0
        for component in components {
            depth += 1
            current = try Self.openChild(component, of: current.rawValue, flags: flags, mode: mode, depth: depth)
        }
        return current
    }

    private static func openChild(
        _ name: [UInt8], of directory: Int32, flags: Int32, mode: mode_t?, depth: Int
    ) throws(NoFollowWalkFailure) -> FileDescriptor {
        try withNulTerminated(name) { name throws(NoFollowWalkFailure) -> FileDescriptor in
            let opened = openat(directory, name, flags)
            if opened >= 0 { return FileDescriptor(adopting: opened) }
            let failure = errno
            if failure == ENOENT, let mode {
                guard mkdirat(directory, name, mode) == 0 else { throw .failed(operation: "mkdir", depth: depth, code: errno) }
                let created = openat(directory, name, flags)
                guard created >= 0 else { throw .failed(operation: "open", depth: depth, code: errno) }
                let file = FileDescriptor(adopting: created)
                // The umask must not decide the mode of what ends up in a layer.
                guard fchmod(file.rawValue, mode) == 0 else { throw .failed(operation: "chmod", depth: depth, code: errno) }
                return file
            }
            if failure == ELOOP || failure == ENOTDIR, isSymlink(name, in: directory) {
                throw .throughSymlink(depth: depth)
            }
            throw .failed(operation: "open directory", depth: depth, code: failure)
        }
    }

    /// Whether `name` in `directory` is a symlink (not following it).
    private static func isSymlink(_ name: UnsafePointer<CChar>, in directory: Int32) -> Bool {
        var status = stat()
        return fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFLNK
    }

    /// Removes everything in the directory open as `directory`, never following a symlink.
    public static func removeContents(of directory: Int32, withinMount mount: UInt64? = nil) throws(SystemError) {
        for name in try DirectoryListing.entryNames(directory) {
            try remove(name, in: directory, withinMount: mount)
        }
    }

    /// Removes `name` from `directory`: a directory with all it holds, anything else unlinked.
    /// With `mount` (``mountID(of:in:)``), a directory of another mount (a mount point, a
    /// bind mount too) is not entered: what is mounted there is never deleted through the
    /// mount, and the removal fails there.
    public static func remove(_ name: [UInt8], in directory: Int32, withinMount mount: UInt64? = nil) throws(SystemError) {
        try withNulTerminated(name) { name throws(SystemError) in
            var status = stat()
            guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { throw .last("stat") }
            guard status.st_mode & S_IFMT == S_IFDIR else {
                guard unlinkat(directory, name, 0) == 0 else { throw .last("unlink") }
                return
            }
            if let mount {
                var child: UInt64 = 0
                guard csystem_mount_id(directory, name, &child) == 0 else { throw .last("statx") }
                guard child == mount else { throw SystemError(operation: "remove a mount point", path: nil, code: EBUSY) }
            }
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { throw .last("open directory") }
            let file = FileDescriptor(adopting: child)
            try removeContents(of: file.rawValue, withinMount: mount)
            guard unlinkat(directory, name, AT_REMOVEDIR) == 0 else { throw .last("rmdir") }
        }
    }
}

extension RootDirectory {
    /// The ID of the mount holding `path` (relative to `directory`, a final symlink not
    /// followed); nil when the kernel does not say (before Linux 5.8).
    public static func mountID(of path: String, in directory: Int32 = AT_FDCWD) -> UInt64? {
        var mount: UInt64 = 0
        return FileName.withCString(path) { csystem_mount_id(directory, $0, &mount) } == 0 ? mount : nil
    }
}

/// Calls `body` with a NUL-terminated copy of `bytes` (a path or a file name as bytes).
public func withNulTerminated<Result: ~Copyable, Failure: Error>(
    _ bytes: [UInt8],
    _ body: (UnsafePointer<CChar>) throws(Failure) -> Result
) throws(Failure) -> Result {
    let string = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
    defer { string.deallocate() }
    bytes.withUnsafeBytes { UnsafeMutableRawPointer(string).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    string[bytes.count] = 0
    return try body(string)
}
