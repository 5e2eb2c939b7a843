import Glibc
import System

/// The directory a layer is extracted into, reached only through its descriptor.
///
/// Every path is resolved from that descriptor one component at a time, each directory
/// opened with `O_DIRECTORY | O_NOFOLLOW`, and every final operation is an `*at` call
/// that does not follow symlinks. So no entry reaches outside: not through an absolute
/// name or `..` (``EntryPath`` refuses those), nor through a symlink an earlier entry made.
struct ConfinedDirectory {
    /// The root's descriptor, owned by the caller.
    let descriptor: Int32

    /// Opens the directory `components` below the root (a new descriptor for the root
    /// itself when empty); the caller closes it. With `creating`, missing directories are
    /// made with mode 0755, owned by the caller, as Docker does. `path` is the entry path
    /// or link target being resolved, for errors.
    func openDirectory(
        _ components: ArraySlice<[UInt8]>,
        creating: Bool,
        for path: ArchivePath
    ) throws(EntryFailure) -> Int32 {
        var current = dup(descriptor)
        guard current >= 0 else { throw .system(.last("dup")) }
        var walked = ArchivePath(bytes: [])
        for component in components {
            walked = walked.appending(component)
            let next: Int32
            do {
                next = try openChild(component, of: current, creating: creating, walked: walked, for: path)
            } catch {
                close(current)
                throw error
            }
            close(current)
            current = next
        }
        return current
    }

    private func openChild(
        _ name: [UInt8],
        of directory: Int32,
        creating: Bool,
        walked: ArchivePath,
        for path: ArchivePath
    ) throws(EntryFailure) -> Int32 {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        return try withNulTerminated(name) { name throws(EntryFailure) -> Int32 in
            let opened = openat(directory, name, flags)
            if opened >= 0 { return opened }
            let failure = errno
            if failure == ENOENT && creating {
                guard mkdirat(directory, name, 0o755) == 0 else { throw .system(.last("mkdir '\(walked)'")) }
                let created = openat(directory, name, flags)
                guard created >= 0 else { throw .system(.last("open '\(walked)'")) }
                // The umask must not decide the mode of what ends up in a layer.
                guard fchmod(created, 0o755) == 0 else {
                    let chmodFailure = SystemError.last("chmod '\(walked)'")
                    close(created)
                    throw .system(chmodFailure)
                }
                return created
            }
            if failure == ELOOP || failure == ENOTDIR, Self.isSymlink(name, in: directory) {
                throw .unsafe(path: path, .throughSymlink(walked.description))
            }
            throw .system(SystemError(operation: "open directory '\(walked)'", code: failure))
        }
    }

    /// Whether `name` in `directory` is a symlink (not following it).
    private static func isSymlink(_ name: UnsafePointer<CChar>, in directory: Int32) -> Bool {
        var status = stat()
        return fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFLNK
    }

    /// Removes everything in the directory open as `directory`, never following a symlink.
    static func removeContents(of directory: Int32) throws(SystemError) {
        for name in try DirectoryListing.entryNames(directory) {
            try remove(name, in: directory)
        }
    }

    /// Removes `name` from `directory`: a directory with all it holds, anything else unlinked.
    static func remove(_ name: [UInt8], in directory: Int32) throws(SystemError) {
        try withNulTerminated(name) { name throws(SystemError) in
            var status = stat()
            guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { throw .last("stat") }
            guard status.st_mode & S_IFMT == S_IFDIR else {
                guard unlinkat(directory, name, 0) == 0 else { throw .last("unlink") }
                return
            }
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { throw .last("open directory") }
            defer { close(child) }
            try removeContents(of: child)
            guard unlinkat(directory, name, AT_REMOVEDIR) == 0 else { throw .last("rmdir") }
        }
    }
}
