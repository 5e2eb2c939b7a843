import FileNames
import Glibc
import System

/// The one confined tar extractor: layers (``LayerExtractor``) and `ADD` archives use it,
/// with their ``ExtractionPolicy``. It reads entries from a ``TarReader`` and creates each
/// below `root`:
///
/// - Every file operation is relative to a directory descriptor reached from the root
///   (without following any symlink, or following only the root's own, per the policy),
///   and the entry itself is created by name in its parent, never through a symlink.
/// - Regular files, directories, symlinks, hard links (to entries already extracted),
///   char and block devices and fifos keep their mode (setuid, setgid and sticky
///   included), numeric owner (or the policy's) and modification time; directories get
///   theirs after their contents are in place. Owner comes before mode (a `chown` clears
///   setuid and setgid), and attributes after both (a `chown` clears
///   `security.capability` too).
/// - File data is written block by block at its offsets (holes stay holes), within a
///   ``DiskBudget`` of the root's file system.
public final class TarExtractor {
    private let root: RootDirectory
    /// The root, open for reading (not owned): a root entry's metadata goes to it.
    private let rootDescriptor: Int32
    private let policy: ExtractionPolicy
    private let buffer: UnsafeMutableRawBufferPointer
    /// What the extraction may write on the root's file system (see ``DiskBudget``).
    private let budget: DiskBudget?
    /// Directories' modification times, set once everything inside them exists.
    private var directoryTimes: [(entry: ArchivePath, path: [[UInt8]], time: FileTime)] = []

    /// An extraction into `root`, whose directory is open for reading as `descriptor` (not
    /// consumed); `budgetPath` names the root in an out-of-space error.
    public init(root: RootDirectory, descriptor: Int32, policy: ExtractionPolicy, budgetPath: String) {
        self.root = root
        self.rootDescriptor = descriptor
        self.policy = policy
        self.buffer = .allocate(byteCount: 128 * 1024, alignment: 16)
        self.budget = try? DiskBudget(directory: root.descriptor, path: budgetPath)
    }

    deinit {
        buffer.deallocate()
    }

    /// Extracts every entry `reader` yields.
    public func extract(from reader: TarReader) throws(ExtractionFailure) {
        while let entry = try reading({ () throws(ArchiveError) in try reader.nextEntry() }) {
            try create(entry, dataFrom: reader)
        }
        try setDirectoryTimes()
    }

    private func reading<Result>(_ body: () throws(ArchiveError) -> Result) throws(ExtractionFailure) -> Result {
        do {
            return try body()
        } catch {
            throw .unreadable(error)
        }
    }

    // MARK: - Paths

    /// The components of `path` (an entry's name or its hard link's target), checked
    /// as the policy says.
    private func components(of path: ArchivePath, entry: ArchivePath) throws(ExtractionFailure) -> [[UInt8]] {
        switch policy.paths {
        case .noSymlinks:
            do {
                return try EntryPath(path).components
            } catch {
                throw .unsafe(entry: entry, path: path, error)
            }
        case .insideRoot:
            guard let kept = Self.lexicalWalk(path, from: []) else { throw .unsafe(entry: entry, path: path, .leavesRoot) }
            return kept
        }
    }

    /// The directory `start` after walking `path` lexically (`.` dropped, `..` taking back
    /// the last component), as a list of components; nil when a `..` climbs above the root.
    static func lexicalWalk(_ path: ArchivePath, from start: [[UInt8]]) -> [[UInt8]]? {
        var kept = start
        for component in path.bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                guard !kept.isEmpty else { return nil }
                kept.removeLast()
            } else {
                kept.append(Array(component))
            }
        }
        return kept
    }

    /// Opens the directory `components` below the root, as the policy resolves it; with
    /// `creating`, missing directories are made (mode 0755, the policy's owner).
    private func openDirectory(
        _ components: ArraySlice<[UInt8]>, creating: Bool, for path: ArchivePath, entry: ArchivePath
    ) throws(ExtractionFailure) -> FileDescriptor {
        switch policy.paths {
        case .noSymlinks:
            do {
                return try root.openDirectoryNoFollow(components, creatingWithMode: creating ? 0o755 : nil)
            } catch {
                func walked(_ depth: Int) -> ArchivePath {
                    ArchivePath(bytes: components.prefix(depth).joined(separator: [UInt8(ascii: "/")]))
                }
                switch error {
                case .throughSymlink(let depth):
                    throw .unsafe(entry: entry, path: path, .throughSymlink(walked(depth).description))
                case .failed(let operation, let depth, let code):
                    let what = depth == 0 ? "open the extraction directory" : "\(operation) '\(walked(depth))'"
                    throw .system(
                        entry: entry, path: Array(components.prefix(depth)), resolving: true,
                        SystemError(operation: what, code: code))
                }
            }
        case .insideRoot(let owner):
            return try openInRoot(Array(components), creating: creating, owner: owner, entry: entry)
        }
    }

    /// BuildKit's `MkdirAll` inside the root: each prefix of `components` resolves with
    /// `RESOLVE_IN_ROOT`, so the root's symlinks lead back into it. The whole path is tried
    /// first, in one walk: an entry's directory almost always exists already.
    private func openInRoot(
        _ components: [[UInt8]], creating: Bool, owner: ExtractionOwner, entry: ArchivePath
    ) throws(ExtractionFailure) -> FileDescriptor {
        let whole = root.openInRoot(
            FileName.decode(Array(components.joined(separator: [UInt8(ascii: "/")]))), flags: O_RDONLY | O_DIRECTORY)
        if whole >= 0 { return FileDescriptor(adopting: whole) }
        var current = FileDescriptor(adopting: root.openInRoot("", flags: O_RDONLY | O_DIRECTORY))
        guard current.rawValue >= 0 else { throw .system(entry: entry, path: [], resolving: true, .last("open")) }
        for index in components.indices {
            let prefix = Array(components[...index])
            let next = root.openInRoot(FileName.decode(Array(prefix.joined(separator: [UInt8(ascii: "/")]))), flags: O_RDONLY | O_DIRECTORY)
            if next >= 0 {
                current = FileDescriptor(adopting: next)
                continue
            }
            let failure = errno
            guard failure == ENOENT, creating else {
                if failure == ENOTDIR { throw .notADirectory(entry: entry, path: prefix, resolving: true) }
                throw .system(entry: entry, path: prefix, resolving: true, SystemError(operation: "open", code: failure))
            }
            current = try withNulTerminated(components[index]) { name throws(ExtractionFailure) -> FileDescriptor in
                guard mkdirat(current.rawValue, name, 0o755) == 0 else {
                    // EEXIST here is a dangling symlink: it leads nowhere a directory could be made.
                    if errno == EEXIST { throw .notADirectory(entry: entry, path: prefix, resolving: true) }
                    throw .system(entry: entry, path: prefix, resolving: true, .last("mkdir"))
                }
                let created = FileDescriptor(adopting: openat(current.rawValue, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
                guard created.rawValue >= 0 else { throw .system(entry: entry, path: prefix, resolving: true, .last("open")) }
                guard fchmod(created.rawValue, 0o755) == 0, fchown(created.rawValue, owner.uid, owner.gid) == 0 else {
                    throw .system(entry: entry, path: prefix, resolving: true, .last("chmod/chown"))
                }
                return created
            }
        }
        return current
    }

    // MARK: - Entries

    private func create(_ entry: TarEntry, dataFrom reader: TarReader) throws(ExtractionFailure) {
        let path = try components(of: entry.path, entry: entry.path)
        guard let name = path.last else {
            guard policy.layerSemantics else { return }
            return try updateRoot(entry, path: path)
        }
        if policy.layerSemantics, let whiteout = Whiteout(baseName: name) {
            return try create(whiteout, in: path.dropLast(), for: entry)
        }
        // A user namespace cannot make device nodes (only whiteouts): rootless, they are
        // skipped, as podman and buildah skip them (and /dev is the sandbox's own anyway).
        if RootlessProcess.isRootless {
            switch entry.kind {
            case .characterDevice, .blockDevice: return
            default: break
            }
        }
        let parentFile = try openDirectory(path.dropLast(), creating: true, for: entry.path, entry: entry.path)
        let parent = parentFile.rawValue
        try withNulTerminated(name) { name throws(ExtractionFailure) in
            func failed(_ error: SystemError) -> ExtractionFailure {
                .system(entry: entry.path, path: path, resolving: false, error)
            }
            if case .symlink(let target) = entry.kind, case .insideRoot = policy.paths {
                try checkStaysInside(target, from: path.dropLast(), entry: entry)
            }
            let keptDirectory = try clear(name, in: parent, keepingDirectory: entry.kind == .directory, entry: entry, path: path)
            switch entry.kind {
            case .file:
                try createFile(entry, named: name, in: parent, dataFrom: reader, failed: failed)
            case .directory:
                try createDirectory(entry, path: path, named: name, in: parent, exists: keptDirectory, failed: failed)
            case .symlink(let target):
                let status = target.withCString { symlinkat($0, parent, name) }
                guard status == 0 else { throw failed(.last("symlink")) }
                try finishSpecialFile(entry, named: name, in: parent, isSymlink: true, failed: failed)
            case .hardlink(let target):
                try createHardLink(to: target, named: name, in: parent, for: entry, failed: failed)
            case .characterDevice(let device):
                try createNode(entry, type: S_IFCHR, device: device, named: name, in: parent, failed: failed)
            case .blockDevice(let device):
                try createNode(entry, type: S_IFBLK, device: device, named: name, in: parent, failed: failed)
            case .fifo:
                try createNode(entry, type: S_IFIFO, device: DeviceNumber(major: 0, minor: 0), named: name, in: parent, failed: failed)
            }
        }
    }

    /// Refuses a relative symlink target that climbs above the root from the link's
    /// directory (`directory`); an absolute one resolves inside the root anyway.
    private func checkStaysInside(_ target: ArchivePath, from directory: ArraySlice<[UInt8]>, entry: TarEntry) throws(ExtractionFailure) {
        guard target.bytes.first != UInt8(ascii: "/") else { return }
        guard Self.lexicalWalk(target, from: Array(directory)) != nil else {
            throw .unsafe(entry: entry.path, path: entry.path, .symlinkLeavesRoot(target))
        }
    }

    /// Removes what an earlier entry (or the image) left at `name`, unless it is a
    /// directory to keep; whether a directory was kept. A directory in the way of a
    /// non-directory is removed with its contents when the policy replaces directories,
    /// refused otherwise.
    private func clear(
        _ name: UnsafePointer<CChar>, in parent: Int32, keepingDirectory: Bool, entry: TarEntry, path: [[UInt8]]
    ) throws(ExtractionFailure) -> Bool {
        var status = stat()
        guard fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            guard errno == ENOENT || !policy.replacesDirectories else {
                throw .system(entry: entry.path, path: path, resolving: false, .last("stat"))
            }
            return false
        }
        let isDirectory = status.st_mode & S_IFMT == S_IFDIR
        if keepingDirectory && isDirectory { return true }
        if policy.replacesDirectories {
            do {
                try RootDirectory.remove(ArchivePath(cString: name).bytes, in: parent)
            } catch {
                throw .system(entry: entry.path, path: path, resolving: false, error)
            }
        } else {
            if isDirectory { throw .cannotReplaceDirectory(entry: entry.path, path: path) }
            guard unlinkat(parent, name, 0) == 0 else { throw .system(entry: entry.path, path: path, resolving: false, .last("unlink")) }
        }
        return false
    }

    private func owner(of entry: TarEntry) -> ExtractionOwner {
        policy.owner ?? Self.existingOwner(uid: entry.uid, gid: entry.gid)
    }

    /// The owner itself, except rootless when the user namespace lacks one of its IDs (a
    /// single-ID mapping, or an ID past the subordinate range): then root's, as podman's
    /// `ignore_chown_errors` does, since the chown would fail with EINVAL.
    static func existingOwner(uid: UInt32, gid: UInt32) -> ExtractionOwner {
        guard RootlessProcess.isRootless, !RootlessProcess.mapping.contains(uid: uid, gid: gid) else {
            return ExtractionOwner(uid: uid, gid: gid)
        }
        return ExtractionOwner(uid: 0, gid: 0)
    }

    private func createFile(
        _ entry: TarEntry,
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        dataFrom reader: TarReader,
        failed: (SystemError) -> ExtractionFailure
    ) throws(ExtractionFailure) {
        let fileFile = FileDescriptor(adopting: openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600))
        let file = fileFile.rawValue
        guard file >= 0 else { throw failed(.last("create")) }
        do {
            try reader.copyData(to: file, using: buffer, budget: budget)
        } catch {
            switch error {
            case .read(let failure): throw .unreadable(failure)
            case .write(let failure): throw failed(failure)
            }
        }
        try setOwnerAndMode(entry, on: file, failed: failed)
        var times = [entry.modificationTime.timespec, entry.modificationTime.timespec]
        guard futimens(file, &times) == 0 else { throw failed(.last("set modification time")) }
    }

    private func createDirectory(
        _ entry: TarEntry,
        path: [[UInt8]],
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        exists: Bool,
        failed: (SystemError) -> ExtractionFailure
    ) throws(ExtractionFailure) {
        if !exists {
            guard mkdirat(parent, name, 0o700) == 0 else { throw failed(.last("mkdir")) }
        }
        let directoryFile = FileDescriptor(adopting: openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
        let directory = directoryFile.rawValue
        guard directory >= 0 else { throw failed(.last("open directory")) }
        try setOwnerAndMode(entry, on: directory, failed: failed)
        directoryTimes.append((entry.path, path, entry.modificationTime))
    }

    private func createHardLink(
        to target: ArchivePath,
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        for entry: TarEntry,
        failed: (SystemError) -> ExtractionFailure
    ) throws(ExtractionFailure) {
        let targetPath = try components(of: target, entry: entry.path)
        guard let targetName = targetPath.last else {
            throw failed(SystemError(operation: "link to the root directory", code: EPERM))
        }
        let targetParentFile = try openDirectory(targetPath.dropLast(), creating: false, for: target, entry: entry.path)
        let targetParent = targetParentFile.rawValue
        // Flags 0: a symlink target is linked itself, never followed.
        let status = withNulTerminated(targetName) { linkat(targetParent, $0, parent, name, 0) }
        guard status == 0 else { throw failed(.last("link to '\(target)'")) }
    }

    private func createNode(
        _ entry: TarEntry,
        type: mode_t,
        device: DeviceNumber,
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        failed: (SystemError) -> ExtractionFailure
    ) throws(ExtractionFailure) {
        guard mknodat(parent, name, type | 0o600, device.rawValue) == 0 else { throw failed(.last("mknod")) }
        try finishSpecialFile(entry, named: name, in: parent, isSymlink: false, failed: failed)
    }

    /// Owner, mode (not for a symlink), attributes and time of a file that cannot be
    /// opened for I/O: a symlink, device or fifo.
    private func finishSpecialFile(
        _ entry: TarEntry,
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        isSymlink: Bool,
        failed: (SystemError) -> ExtractionFailure
    ) throws(ExtractionFailure) {
        let owner = owner(of: entry)
        guard fchownat(parent, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw failed(.last("chown"))
        }
        if !isSymlink {
            guard fchmodat(parent, name, entry.permissions, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw failed(.last("chmod"))
            }
        }
        if policy.extendedAttributes && !entry.extendedAttributes.isEmpty {
            let fileFile = FileDescriptor(adopting: openPathOnlyNoFollow(parent, name))
            let file = fileFile.rawValue
            guard file >= 0 else { throw failed(.last("open")) }
            try setExtendedAttributes(entry, on: ExtendedAttributes(descriptor: file, isPathOnly: true), failed: failed)
        }
        var times = [entry.modificationTime.timespec, entry.modificationTime.timespec]
        guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw failed(.last("set modification time"))
        }
    }

    /// Owner, then mode (a `chown` clears setuid and setgid), then attributes (it clears
    /// `security.capability` too) of a file open as `descriptor`.
    private func setOwnerAndMode(
        _ entry: TarEntry, on descriptor: Int32, failed: (SystemError) -> ExtractionFailure
    ) throws(ExtractionFailure) {
        let owner = owner(of: entry)
        guard fchown(descriptor, owner.uid, owner.gid) == 0 else { throw failed(.last("chown")) }
        guard fchmod(descriptor, entry.permissions) == 0 else { throw failed(.last("chmod")) }
        if policy.extendedAttributes {
            try setExtendedAttributes(entry, on: ExtendedAttributes(descriptor: descriptor, isPathOnly: false), failed: failed)
        }
    }

    private func setExtendedAttributes(
        _ entry: TarEntry, on file: ExtendedAttributes, failed: (SystemError) -> ExtractionFailure
    ) throws(ExtractionFailure) {
        let attributes = entry.extendedAttributes
            .filter { !$0.key.hasPrefix(Whiteout.overlayAttributePrefix) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (name, value) in attributes {
            do {
                try file.set(name, to: value)
            } catch {
                // Docker skips what the file system refuses (e.g. user.* on a symlink).
                if error.code == EPERM || error.code == ENOTSUP { continue }
                throw failed(error)
            }
        }
    }

    // MARK: - Whiteouts and the root

    private func create(_ whiteout: Whiteout, in directory: ArraySlice<[UInt8]>, for entry: TarEntry) throws(ExtractionFailure) {
        func failed(_ error: SystemError) -> ExtractionFailure {
            .system(entry: entry.path, path: Array(directory), resolving: false, error)
        }
        switch whiteout {
        case .aufsMetadata:
            return
        case .opaqueDirectory:
            let opaqueFile = try openDirectory(directory, creating: true, for: entry.path, entry: entry.path)
            let opaque = opaqueFile.rawValue
            do {
                try ExtendedAttributes(descriptor: opaque, isPathOnly: false).set(Whiteout.opaqueAttribute, to: Whiteout.opaqueValue)
            } catch {
                throw failed(error)
            }
        case .file(let hidden):
            if hidden.isEmpty || hidden == [UInt8(ascii: ".")] { throw .unsafe(entry: entry.path, path: entry.path, .whiteoutWithoutName) }
            if hidden == [UInt8(ascii: "."), UInt8(ascii: ".")] { throw .unsafe(entry: entry.path, path: entry.path, .parentComponent) }
            let parentFile = try openDirectory(directory, creating: true, for: entry.path, entry: entry.path)
            let parent = parentFile.rawValue
            try withNulTerminated(hidden) { name throws(ExtractionFailure) in
                var status = stat()
                if fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 { return }
                guard errno == ENOENT else { throw failed(.last("stat")) }
                guard mknodat(parent, name, S_IFCHR, 0) == 0 else { throw failed(.last("mknod whiteout")) }
                let owner = Self.existingOwner(uid: entry.uid, gid: entry.gid)
                guard fchownat(parent, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw failed(.last("chown"))
                }
                var times = [entry.modificationTime.timespec, entry.modificationTime.timespec]
                guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw failed(.last("set modification time"))
                }
            }
        }
    }

    /// An entry for the root itself (`./`): its attributes go to the target directory.
    private func updateRoot(_ entry: TarEntry, path: [[UInt8]]) throws(ExtractionFailure) {
        func failed(_ error: SystemError) -> ExtractionFailure {
            .system(entry: entry.path, path: [], resolving: false, error)
        }
        guard entry.kind == .directory else {
            throw failed(SystemError(operation: "replace the extraction directory", code: EISDIR))
        }
        try setOwnerAndMode(entry, on: rootDescriptor, failed: failed)
        directoryTimes.append((entry.path, path, entry.modificationTime))
    }

    private func setDirectoryTimes() throws(ExtractionFailure) {
        for (entry, path, time) in directoryTimes {
            // A later entry may have replaced the directory; then its time is that entry's.
            guard let directoryFile = try? openDirectory(path[...], creating: false, for: entry, entry: entry) else {
                continue
            }
            let directory = directoryFile.rawValue
            var times = [time.timespec, time.timespec]
            guard futimens(directory, &times) == 0 else {
                throw .system(entry: entry, path: path, resolving: false, .last("set modification time"))
            }
        }
    }
}
