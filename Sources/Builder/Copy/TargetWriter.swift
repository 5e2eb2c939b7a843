import FileNames
import Glibc
import OCI
import StepPlan
import System

/// Writes files into a target root: every directory is reached through descriptors,
/// paths from the root resolve with `RESOLVE_IN_ROOT` (through the image's own symlinks,
/// never out of it), and each file is created by name in its parent's descriptor with
/// no symlink followed.
final class TargetWriter {
    private struct InodeKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    let root: RootDirectory
    private let source: RootDirectory?
    private let owner: FileOwner?
    private let preservesOwnership: Bool
    private let modeChange: FileModeChange?
    /// The first copy of each multiply-linked source file: its directory and name.
    private var firstLinks: [InodeKey: (directory: Int32, name: String)] = [:]
    /// What file data passes through, allocated by the first file a copy writes and
    /// reused for the others.
    private var copyBuffer: UnsafeMutableRawBufferPointer?

    /// A writer into `root`, reading from `source`; `owner` overrides ownership,
    /// otherwise it is kept when `preservesOwnership` and 0:0 if not.
    init(root: RootDirectory, source: RootDirectory?, owner: FileOwner?, preservesOwnership: Bool, modeChange: FileModeChange?) {
        self.root = root
        self.source = source
        self.owner = owner
        self.preservesOwnership = preservesOwnership
        self.modeChange = modeChange
    }

    deinit {
        for link in firstLinks.values { close(link.directory) }
        copyBuffer?.deallocate()
    }

    /// Opens the directory `components` from the root, creating what is missing with mode
    /// 0755, owned by `--chown`'s owner or 0:0 (BuildKit's `MkdirAll`). The caller closes it.
    func makeDirectories(_ components: [String]) throws(CopyError.Problem) -> Int32 {
        var current = FileDescriptor(adopting: root.openInRoot("", flags: O_RDONLY | O_DIRECTORY))
        guard current.rawValue >= 0 else { throw .system(path: "/", .last("open")) }
        for index in components.indices {
            let prefix = components[...index].joined(separator: "/")
            let next = root.openInRoot(prefix, flags: O_RDONLY | O_DIRECTORY)
            if next >= 0 {
                current = FileDescriptor(adopting: next)
                continue
            }
            let failure = errno
            guard failure == ENOENT else {
                if failure == ENOTDIR { throw .notADirectory(root.display(prefix)) }
                throw .system(path: root.display(prefix), SystemError(operation: "open", code: failure))
            }
            current = FileDescriptor(adopting: try makeDirectory(components[index], in: current.rawValue, path: root.display(prefix)))
        }
        return current.release()
    }

    /// Resolves `components` from the root, following symlinks inside it: nil when
    /// nothing is there, else the real path and whether it is a directory.
    func existing(_ components: [String]) throws(CopyError.Problem) -> (path: [String], isDirectory: Bool)? {
        let relative = components.joined(separator: "/")
        let descriptorFile = FileDescriptor(adopting: root.openInRoot(relative, flags: openPathOnly))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .system(path: root.display(relative), .last("open"))
        }
        let status = try FileStatus(descriptor: descriptor, path: root.display(relative))
        let real = root.relativePath(of: descriptor) ?? relative
        return (RootedPath.components(real), status.isDirectory)
    }

    /// Copies `node` (and, for a directory, everything below it) to `name` in `directory`.
    func write(_ node: SourceNode, named name: String, in directory: Int32, path: String) throws(CopyError.Problem) {
        try Self.checkName(name, path: path)
        let status = node.status
        switch status.type {
        case S_IFDIR:
            let childFile = try FileDescriptor(adopting: openOrMakeDirectory(name, in: directory, path: path))
            let child = childFile.rawValue
            for entry in node.children {
                try write(entry, named: entry.name, in: child, path: path + "/" + entry.name)
            }
            try applyMetadata(of: status, to: child, path: path)
        case S_IFREG:
            let key = InodeKey(device: status.device, inode: status.inode)
            if status.linkCount > 1, let first = firstLinks[key] {
                try removeNonDirectory(name, in: directory, path: path)
                guard FileName.linkat(first.directory, first.name, directory, name, 0) == 0 else {
                    throw .system(path: path, .last("link"))
                }
                return
            }
            guard let source else { throw .system(path: path, SystemError(operation: "open source", code: EBADF)) }
            let inputFile = try FileDescriptor(adopting: source.openWalked(node.path, flags: O_RDONLY))
            let input = inputFile.rawValue
            let outputFile = try FileDescriptor(adopting: replaceFile(name, in: directory, path: path))
            let output = outputFile.rawValue
            try copyData(from: input, to: output, path: path)
            try applyMetadata(of: status, to: output, path: path)
            if status.linkCount > 1 { firstLinks[key] = (dup(directory), name) }
        case S_IFLNK:
            try removeNonDirectory(name, in: directory, path: path)
            guard FileName.symlinkat(node.linkTarget ?? [], directory, name) == 0 else { throw .system(path: path, .last("symlink")) }
            try applyMetadata(of: status, toEntry: name, in: directory, path: path)
        case S_IFCHR, S_IFBLK, S_IFIFO:
            try removeNonDirectory(name, in: directory, path: path)
            guard FileName.mknodat(directory, name, status.type | 0o600, dev_t(status.specialDevice)) == 0 else {
                throw .system(path: path, .last("mknod"))
            }
            try applyMetadata(of: status, toEntry: name, in: directory, path: path)
        default:
            throw .unsupportedFileType(path)
        }
    }

    /// Writes `content` as the file `name` in `directory`: a heredoc source.
    func writeInline(_ content: [UInt8], permissions: UInt32, named name: String, in directory: Int32, path: String) throws(CopyError
        .Problem)
    {
        try Self.checkName(name, path: path)
        try removeNonDirectory(name, in: directory, path: path)
        let outputFile = try FileDescriptor(adopting: createFile(name, in: directory, path: path))
        let output = outputFile.rawValue
        var written = 0
        while written < content.count {
            let count = retryingOnInterrupt { content[written...].withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) } }
            if count < 0 {
                throw .system(path: path, .last("write"))
            }
            written += count
        }
        let owner = owner ?? .root
        guard fchown(output, owner.uid, owner.gid) == 0 else { throw .system(path: path, .last("chown")) }
        let mode = modeChange?.apply(to: permissions, isDirectory: false) ?? permissions
        guard fchmod(output, mode_t(mode & 0o7777)) == 0 else { throw .system(path: path, .last("chmod")) }
    }

    /// Opens the directory `name` in `directory`, creating it when missing (mode 0700
    /// until its metadata is applied). An existing non-directory is an error, as in
    /// BuildKit (archive extraction, in OCIArchive, replaces it, as Docker does).
    private func openOrMakeDirectory(_ name: String, in directory: Int32, path: String) throws(CopyError.Problem) -> Int32 {
        try Self.checkName(name, path: path)
        var status = stat()
        if FileName.fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 {
            if status.st_mode & S_IFMT != S_IFDIR {
                throw .notADirectory(path)
            } else {
                let opened = FileName.openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard opened >= 0 else { throw .system(path: path, .last("open")) }
                return opened
            }
        }
        guard FileName.mkdirat(directory, name, 0o700) == 0 else { throw .system(path: path, .last("mkdir")) }
        let opened = FileName.openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard opened >= 0 else { throw .system(path: path, .last("open")) }
        return opened
    }

    /// Removes `name` in `directory` unless it is missing; a directory there is an error.
    func removeNonDirectory(_ name: String, in directory: Int32, path: String) throws(CopyError.Problem) {
        try Self.checkName(name, path: path)
        var status = stat()
        guard FileName.fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR { throw .cannotReplaceDirectory(path) }
        guard FileName.unlinkat(directory, name, 0) == 0 else { throw .system(path: path, .last("unlink")) }
    }

    /// Creates the regular file `name` in `directory` for writing, removing a non-directory
    /// there first (a directory there is an error). Creating comes first: in an empty
    /// destination that is the only lookup.
    private func replaceFile(_ name: String, in directory: Int32, path: String) throws(CopyError.Problem) -> Int32 {
        try Self.checkName(name, path: path)
        let output = FileName.openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if output >= 0 { return output }
        guard errno == EEXIST else { throw .system(path: path, .last("create")) }
        try removeNonDirectory(name, in: directory, path: path)
        return try createFile(name, in: directory, path: path)
    }

    /// Creates the regular file `name` in `directory` for writing; it must not exist.
    func createFile(_ name: String, in directory: Int32, path: String) throws(CopyError.Problem) -> Int32 {
        try Self.checkName(name, path: path)
        let output = FileName.openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw .system(path: path, .last("create")) }
        return output
    }

    /// Whether `name` names an entry of a directory and nothing else: not empty, not `.`
    /// or `..`, no `/`. Every `*at` call here takes a name relative to a directory
    /// descriptor, which confines it only when it is one: an absolute name ignores the
    /// descriptor and `..` climbs out of it.
    static func isFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/"))
            && !name.utf8.contains(0)
    }

    /// Refuses a `name` that is not a single file name (see ``isFileName(_:)``).
    static func checkName(_ name: String, path: String) throws(CopyError.Problem) {
        guard isFileName(name) else { throw .unsafeName(name, path: path) }
    }

    /// The owner a copied file with `status` gets.
    func owner(for status: FileStatus) -> FileOwner {
        owner ?? (preservesOwnership ? FileOwner(uid: status.uid, gid: status.gid) : .root)
    }

    /// Sets owner, mode (after `--chmod`) and times of the file open as `descriptor`.
    func applyMetadata(of status: FileStatus, to descriptor: Int32, path: String) throws(CopyError.Problem) {
        let owner = owner(for: status)
        guard fchown(descriptor, owner.uid, owner.gid) == 0 else { throw .system(path: path, .last("chown")) }
        let mode = modeChange?.apply(to: status.permissions, isDirectory: status.isDirectory) ?? status.permissions
        guard fchmod(descriptor, mode_t(mode)) == 0 else { throw .system(path: path, .last("chmod")) }
        var times = [status.accessTime, status.modificationTime]
        guard futimens(descriptor, &times) == 0 else { throw .system(path: path, .last("utimensat")) }
    }

    /// Sets owner, mode (not for symlinks) and times of `name` in `directory`.
    private func applyMetadata(of status: FileStatus, toEntry name: String, in directory: Int32, path: String) throws(CopyError.Problem) {
        try Self.checkName(name, path: path)
        let owner = owner(for: status)
        guard FileName.fchownat(directory, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .system(path: path, .last("chown"))
        }
        if !status.isSymlink {
            let mode = modeChange?.apply(to: status.permissions, isDirectory: false) ?? status.permissions
            guard FileName.fchmodat(directory, name, mode_t(mode), 0) == 0 else { throw .system(path: path, .last("chmod")) }
        }
        let times = [status.accessTime, status.modificationTime]
        guard FileName.utimensat(directory, name, times, AT_SYMLINK_NOFOLLOW) == 0 else { throw .system(path: path, .last("utimensat")) }
    }

    private func makeDirectory(_ name: String, in directory: Int32, path: String) throws(CopyError.Problem) -> Int32 {
        try Self.checkName(name, path: path)
        guard FileName.mkdirat(directory, name, 0o755) == 0 else {
            // EEXIST here is a dangling symlink: it leads nowhere a directory could be made.
            if errno == EEXIST { throw .notADirectory(path) }
            throw .system(path: path, .last("mkdir"))
        }
        let created = FileDescriptor(adopting: FileName.openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
        guard created.rawValue >= 0 else { throw .system(path: path, .last("open")) }
        let owner = owner ?? .root
        guard fchmod(created.rawValue, 0o755) == 0, fchown(created.rawValue, owner.uid, owner.gid) == 0 else {
            throw .system(path: path, .last("chmod/chown"))
        }
        return created.release()
    }

    private func copyData(from input: Int32, to output: Int32, path: String) throws(CopyError.Problem) {
        let buffer = copyBuffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        copyBuffer = buffer
        while true {
            let count = retryingOnInterrupt { Glibc.read(input, buffer.baseAddress, buffer.count) }
            if count < 0 {
                throw .system(path: path, .last("read"))
            }
            if count == 0 { return }
            var written = 0
            while written < count {
                let result = retryingOnInterrupt { Glibc.write(output, buffer.baseAddress! + written, count - written) }
                if result < 0 {
                    throw .system(path: path, .last("write"))
                }
                written += result
            }
        }
    }
}
