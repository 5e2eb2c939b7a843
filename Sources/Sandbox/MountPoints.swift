import Glibc
import System

/// The mount points a step needs that its root lacks, created before the step and removed
/// after it, so that they never end up in the layer (the root is an overlay whose upper
/// dir is the layer). Only what was created here is removed: never what the image had.
/// The exception is the kept directories (`/proc`, `/sys`, `/dev`, and `/etc`, the parent
/// of the `/etc/hosts` and `/etc/resolv.conf` mounts): runc creates those (0755, root's)
/// and nothing removes them, so under BuildKit a RUN in an image without them leaves them
/// in its layer (`/etc` empty once BuildKit removes its file stubs); so do steps here.
///
/// Paths are resolved with `openat2(RESOLVE_IN_ROOT)` (System's ``openat2(_:in:flags:resolve:mode:)``), so an image's symlinks (an absolute
/// `/etc` link, say) resolve inside the root exactly as they will for the step.
///
/// Creating a file in a directory the step does not otherwise touch changes that
/// directory's times (and, on overlayfs, copies it up); the times are put back when the
/// directory is left as the mount point found it. A copied-up directory may remain in the
/// upper dir with unchanged metadata.
struct MountPoints: Sendable {
    /// One created entry, and what its parent directory looked like around the creation.
    private struct Created: Sendable {
        var path: String
        var parent: String
        var isDirectory: Bool
        /// The parent's access and modification times before the creation.
        var parentTimesBefore: [timespec]
        /// The parent's modification time right after the creation.
        var parentModifiedAfter: timespec
    }

    /// The root the paths are in.
    let rootfs: String
    private var created: [Created] = []

    /// Creates, inside `rootfs`, whichever of `kept`, `directories` and `files` (absolute
    /// paths inside the root) are missing, with missing parents as directories. What is
    /// created for `kept` stays after ``remove()``.
    init(rootfs: String, kept: [String] = [], directories: [String], files: [String]) throws(SandboxError) {
        self.rootfs = rootfs
        let rootFile = try FileDescriptor(adopting: Self.open(rootfs, flags: openPathOnly | O_DIRECTORY))
        let root = rootFile.rawValue
        do throws(SandboxError) {
            for path in kept {
                try ensure(path, isDirectory: true, root: root, keep: true)
            }
            for path in directories {
                try ensure(path, isDirectory: true, root: root)
            }
            for path in files {
                try ensure(path, isDirectory: false, root: root)
            }
        } catch {
            try? remove()
            throw error
        }
    }

    /// Removes what ``init(rootfs:directories:files:)`` created, deepest first. An entry
    /// the step filled (a created directory that is no longer empty) or removed stays as is.
    func remove() throws(SandboxError) {
        let rootFile = try FileDescriptor(adopting: Self.open(rootfs, flags: openPathOnly | O_DIRECTORY))
        let root = rootFile.rawValue
        for entry in created.reversed() {
            let parentFile = try FileDescriptor(
                adopting: Self.openInRoot(root, entry.parent, flags: O_RDONLY | O_DIRECTORY, rootfs: rootfs))
            let parent = parentFile.rawValue
            let before = try Self.status(of: parent, path: entry.parent)
            let name = String(entry.path.split(separator: "/").last ?? "")
            if unlinkat(parent, name, entry.isDirectory ? AT_REMOVEDIR : 0) != 0 {
                let error = SystemError.last("remove the mount point", path: "\(entry.path) in \(rootfs)")
                guard [ENOENT, ENOTEMPTY, EEXIST].contains(error.code) else {
                    throw .system(error)
                }
                continue
            }
            let modified = before.st_mtim
            guard modified.tv_sec == entry.parentModifiedAfter.tv_sec,
                modified.tv_nsec == entry.parentModifiedAfter.tv_nsec
            else { continue }
            if futimens(parent, entry.parentTimesBefore) != 0 {
                throw .system(.last("restore the times of", path: "\(entry.parent) in \(rootfs)"))
            }
        }
    }

    /// Creates `path` and its missing parents unless it exists (through symlinks in the root).
    private mutating func ensure(_ path: String, isDirectory: Bool, root: Int32, keep: Bool = false) throws(SandboxError) {
        let names = path.split(separator: "/").map(String.init)
        var parent = "/"
        for (index, name) in names.enumerated() {
            let current = parent == "/" ? "/\(name)" : "\(parent)/\(name)"
            let isLast = index == names.count - 1
            let existing = FileDescriptor(adopting: openat2(current, in: root, flags: openPathOnly, resolve: [.inRoot, .noMagicLinks]))
            if existing.rawValue >= 0 {
            } else if errno == ENOENT {
                try create(current, in: parent, name: name, isDirectory: !isLast || isDirectory, root: root, keep: keep)
            } else {
                throw .system(.last("look up the mount point", path: "\(current) in \(rootfs)"))
            }
            parent = current
        }
    }

    private mutating func create(
        _ path: String, in parentPath: String, name: String, isDirectory: Bool,
        root: Int32, keep: Bool
    ) throws(SandboxError) {
        let parentFile = try FileDescriptor(adopting: Self.openInRoot(root, parentPath, flags: O_RDONLY | O_DIRECTORY, rootfs: rootfs))
        let parent = parentFile.rawValue
        let before = try Self.status(of: parent, path: parentPath)
        if isDirectory {
            guard mkdirat(parent, name, 0o755) == 0 else {
                throw .system(.last("create the mount point", path: "\(path) in \(rootfs)"))
            }
            if keep {
                // 0755 whatever the umask: it goes into the layer.
                guard fchmodat(parent, name, 0o755, 0) == 0 else {
                    throw .system(.last("set the mode of the mount point", path: "\(path) in \(rootfs)"))
                }
                return
            }
        } else {
            let file = FileDescriptor(adopting: openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644))
            guard file.rawValue >= 0 else {
                throw .system(.last("create the mount point", path: "\(path) in \(rootfs)"))
            }
        }
        let after = try Self.status(of: parent, path: parentPath)
        created.append(
            Created(
                path: path, parent: parentPath, isDirectory: isDirectory,
                parentTimesBefore: [before.st_atim, before.st_mtim],
                parentModifiedAfter: after.st_mtim))
    }

    private static func open(_ path: String, flags: Int32) throws(SandboxError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC)
        guard fd >= 0 else { throw .system(.last("open the root", path: path)) }
        return fd
    }

    private static func openInRoot(
        _ root: Int32, _ path: String, flags: Int32,
        rootfs: String
    ) throws(SandboxError) -> Int32 {
        let fd = openat2(path, in: root, flags: flags, resolve: [.inRoot, .noMagicLinks])
        guard fd >= 0 else { throw .system(.last("open", path: "\(path) in \(rootfs)")) }
        return fd
    }

    private static func status(of fd: Int32, path: String) throws(SandboxError) -> stat {
        var result = stat()
        guard fstat(fd, &result) == 0 else { throw .system(.last("stat", path: path)) }
        return result
    }
}
