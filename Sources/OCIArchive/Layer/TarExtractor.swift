import Glibc
import System

/// One run of ``LayerExtractor``: reads a layer blob once and creates each entry below
/// the root, in overlayfs form.
final class LayerExtraction {
    private let layer: String
    /// The target directory, confined: every path below it is walked without following a symlink.
    private let root: RootDirectory
    /// The target directory itself, open for reading (owned by ``LayerExtractor``).
    private let rootDescriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    /// What the layer may write on the root's file system (see ``DiskBudget``).
    private let budget: DiskBudget?
    /// Directories' modification times, set once everything inside them exists.
    private var directoryTimes: [(entry: ArchivePath, path: EntryPath, time: FileTime)] = []

    /// An extraction of the blob named `layer` into `root`.
    init(layer: String, root: RootDirectory, descriptor: Int32) {
        self.layer = layer
        self.root = root
        self.rootDescriptor = descriptor
        self.buffer = .allocate(byteCount: 128 * 1024, alignment: 16)
        self.budget = try? DiskBudget(directory: descriptor, path: "the extraction directory")
    }

    deinit {
        buffer.deallocate()
    }

    /// Extracts the blob read from `descriptor`; its digests and sizes.
    func run(reading descriptor: Int32) throws(LayerExtractionError) -> LayerBlob {
        let stream = try readingArchive { () throws(ArchiveError) in try DecompressedStream(descriptor: descriptor, name: layer) }
        let reader = try readingArchive { () throws(ArchiveError) in try TarReader(source: stream, name: layer) }
        while let entry = try readingArchive({ () throws(ArchiveError) in try reader.nextEntry() }) {
            do {
                try create(entry, dataFrom: reader)
            } catch {
                throw named(error, entry: entry.path)
            }
        }
        try readingArchive { () throws(ArchiveError) in try stream.drain(using: buffer) }
        try setDirectoryTimes()
        return LayerBlob(
            diffID: stream.decompressed.finalize(),
            digest: stream.compressed.finalize(),
            size: stream.compressed.byteCount,
            uncompressedSize: stream.decompressed.byteCount
        )
    }

    private func readingArchive<Result>(_ body: () throws(ArchiveError) -> Result) throws(LayerExtractionError) -> Result {
        do {
            return try body()
        } catch {
            throw .unreadable(error)
        }
    }

    private func named(_ failure: EntryFailure, entry: ArchivePath) -> LayerExtractionError {
        switch failure {
        case .unsafe(let path, let reason):
            return .unsafePath(layer: layer, entry: entry.description, path: path.description, reason: reason)
        case .system(let error):
            return .filesystem(layer: layer, entry: entry.description, error)
        case .archive(let error):
            return .unreadable(error)
        }
    }

    /// Opens the directory `components` below the root (made with mode 0755, owned by the
    /// caller, as Docker does, when missing and `creating`), never through a symlink.
    /// `path` is the entry path or link target being resolved, for errors.
    private func openDirectory(
        _ components: ArraySlice<[UInt8]>, creating: Bool, for path: ArchivePath
    ) throws(EntryFailure) -> FileDescriptor {
        do {
            return try root.openDirectoryNoFollow(components, creatingWithMode: creating ? 0o755 : nil)
        } catch {
            func walked(_ depth: Int) -> ArchivePath {
                ArchivePath(bytes: components.prefix(depth).joined(separator: [UInt8(ascii: "/")]))
            }
            switch error {
            case .throughSymlink(let depth):
                throw .unsafe(path: path, .throughSymlink(walked(depth).description))
            case .failed(let operation, let depth, let code):
                let what = depth == 0 ? "open the extraction directory" : "\(operation) '\(walked(depth))'"
                throw .system(SystemError(operation: what, code: code))
            }
        }
    }

    // MARK: - Entries

    private func create(_ entry: TarEntry, dataFrom reader: TarReader) throws(EntryFailure) {
        let path: EntryPath
        do {
            path = try EntryPath(entry.path)
        } catch {
            throw .unsafe(path: entry.path, error)
        }
        guard let name = path.name else {
            return try updateRoot(entry, path: path)
        }
        if let whiteout = Whiteout(baseName: name) {
            return try create(whiteout, in: path.parent, for: entry)
        }
        let parentFile = try openDirectory(path.parent, creating: true, for: entry.path)
        let parent = parentFile.rawValue
        try withNulTerminated(name) { name throws(EntryFailure) in
            let keptDirectory = try clear(name, in: parent, keepingDirectory: entry.kind == .directory)
            switch entry.kind {
            case .file:
                try createFile(entry, named: name, in: parent, dataFrom: reader)
            case .directory:
                try createDirectory(entry, path: path, named: name, in: parent, exists: keptDirectory)
            case .symlink(let target):
                let status = target.withCString { symlinkat($0, parent, name) }
                guard status == 0 else { throw .system(.last("symlink")) }
                try finishSpecialFile(entry, named: name, in: parent, isSymlink: true)
            case .hardlink(let target):
                try createHardLink(to: target, named: name, in: parent)
            case .characterDevice(let device):
                try createNode(entry, type: S_IFCHR, device: device, named: name, in: parent)
            case .blockDevice(let device):
                try createNode(entry, type: S_IFBLK, device: device, named: name, in: parent)
            case .fifo:
                try createNode(entry, type: S_IFIFO, device: DeviceNumber(major: 0, minor: 0), named: name, in: parent)
            }
        }
    }

    /// Removes what an earlier entry left at `name`, unless it is a directory to keep;
    /// whether a directory was kept.
    private func clear(_ name: UnsafePointer<CChar>, in parent: Int32, keepingDirectory: Bool) throws(EntryFailure) -> Bool {
        var status = stat()
        guard fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            guard errno == ENOENT else { throw .system(.last("stat")) }
            return false
        }
        if keepingDirectory && status.st_mode & S_IFMT == S_IFDIR { return true }
        do {
            try RootDirectory.remove(ArchivePath(cString: name).bytes, in: parent)
        } catch {
            throw .system(error)
        }
        return false
    }

    private func createFile(
        _ entry: TarEntry,
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        dataFrom reader: TarReader
    ) throws(EntryFailure) {
        let fileFile = FileDescriptor(adopting: openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600))
        let file = fileFile.rawValue
        guard file >= 0 else { throw .system(.last("create")) }
        do {
            try reader.copyData(to: file, using: buffer, budget: budget)
        } catch {
            switch error {
            case .read(let failure): throw .archive(failure)
            case .write(let failure): throw .system(failure)
            }
        }
        try setOwnerAndMode(entry, on: file)
        var times = [entry.modificationTime.timespec, entry.modificationTime.timespec]
        guard futimens(file, &times) == 0 else { throw .system(.last("set modification time")) }
    }

    private func createDirectory(
        _ entry: TarEntry,
        path: EntryPath,
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        exists: Bool
    ) throws(EntryFailure) {
        if !exists {
            guard mkdirat(parent, name, 0o700) == 0 else { throw .system(.last("mkdir")) }
        }
        let directoryFile = FileDescriptor(adopting: openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
        let directory = directoryFile.rawValue
        guard directory >= 0 else { throw .system(.last("open directory")) }
        try setOwnerAndMode(entry, on: directory)
        directoryTimes.append((entry.path, path, entry.modificationTime))
    }

    private func createHardLink(to target: ArchivePath, named name: UnsafePointer<CChar>, in parent: Int32) throws(EntryFailure) {
        let targetPath: EntryPath
        do {
            targetPath = try EntryPath(target)
        } catch {
            throw .unsafe(path: target, error)
        }
        guard let targetName = targetPath.name else {
            throw .system(SystemError(operation: "link to the root directory", code: EPERM))
        }
        let targetParentFile = try openDirectory(targetPath.parent, creating: false, for: target)
        let targetParent = targetParentFile.rawValue
        // Flags 0: a symlink target is linked itself, never followed.
        let status = withNulTerminated(targetName) { linkat(targetParent, $0, parent, name, 0) }
        guard status == 0 else { throw .system(.last("link to '\(target)'")) }
    }

    private func createNode(
        _ entry: TarEntry,
        type: mode_t,
        device: DeviceNumber,
        named name: UnsafePointer<CChar>,
        in parent: Int32
    ) throws(EntryFailure) {
        guard mknodat(parent, name, type | 0o600, device.rawValue) == 0 else { throw .system(.last("mknod")) }
        try finishSpecialFile(entry, named: name, in: parent, isSymlink: false)
    }

    /// Owner, mode (not for a symlink), attributes and time of a file that cannot be
    /// opened for I/O: a symlink, device or fifo.
    private func finishSpecialFile(
        _ entry: TarEntry,
        named name: UnsafePointer<CChar>,
        in parent: Int32,
        isSymlink: Bool
    ) throws(EntryFailure) {
        guard fchownat(parent, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .system(.last("chown"))
        }
        if !isSymlink {
            guard fchmodat(parent, name, entry.permissions, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw .system(.last("chmod"))
            }
        }
        if !entry.extendedAttributes.isEmpty {
            let fileFile = FileDescriptor(adopting: openPathOnlyNoFollow(parent, name))
            let file = fileFile.rawValue
            guard file >= 0 else { throw .system(.last("open")) }
            try setExtendedAttributes(entry, on: ExtendedAttributes(descriptor: file, isPathOnly: true))
        }
        var times = [entry.modificationTime.timespec, entry.modificationTime.timespec]
        guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .system(.last("set modification time"))
        }
    }

    /// Owner, then mode (a `chown` clears setuid and setgid), then attributes (it clears
    /// `security.capability` too) of a file open as `descriptor`.
    private func setOwnerAndMode(_ entry: TarEntry, on descriptor: Int32) throws(EntryFailure) {
        guard fchown(descriptor, entry.uid, entry.gid) == 0 else { throw .system(.last("chown")) }
        guard fchmod(descriptor, entry.permissions) == 0 else { throw .system(.last("chmod")) }
        try setExtendedAttributes(entry, on: ExtendedAttributes(descriptor: descriptor, isPathOnly: false))
    }

    private func setExtendedAttributes(_ entry: TarEntry, on file: ExtendedAttributes) throws(EntryFailure) {
        let attributes = entry.extendedAttributes
            .filter { !$0.key.hasPrefix(Whiteout.overlayAttributePrefix) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (name, value) in attributes {
            do {
                try file.set(name, to: value)
            } catch {
                // Docker skips what the file system refuses (e.g. user.* on a symlink).
                if error.code == EPERM || error.code == ENOTSUP { continue }
                throw .system(error)
            }
        }
    }

    // MARK: - Whiteouts and the root

    private func create(_ whiteout: Whiteout, in directory: ArraySlice<[UInt8]>, for entry: TarEntry) throws(EntryFailure) {
        switch whiteout {
        case .aufsMetadata:
            return
        case .opaqueDirectory:
            let opaqueFile = try openDirectory(directory, creating: true, for: entry.path)
            let opaque = opaqueFile.rawValue
            do {
                try ExtendedAttributes(descriptor: opaque, isPathOnly: false).set(Whiteout.opaqueAttribute, to: Whiteout.opaqueValue)
            } catch {
                throw .system(error)
            }
        case .file(let hidden):
            if hidden.isEmpty || hidden == [UInt8(ascii: ".")] { throw .unsafe(path: entry.path, .whiteoutWithoutName) }
            if hidden == [UInt8(ascii: "."), UInt8(ascii: ".")] { throw .unsafe(path: entry.path, .parentComponent) }
            let parentFile = try openDirectory(directory, creating: true, for: entry.path)
            let parent = parentFile.rawValue
            try withNulTerminated(hidden) { name throws(EntryFailure) in
                var status = stat()
                if fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 { return }
                guard errno == ENOENT else { throw .system(.last("stat")) }
                guard mknodat(parent, name, S_IFCHR, 0) == 0 else { throw .system(.last("mknod whiteout")) }
                guard fchownat(parent, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw .system(.last("chown"))
                }
                var times = [entry.modificationTime.timespec, entry.modificationTime.timespec]
                guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw .system(.last("set modification time"))
                }
            }
        }
    }

    /// An entry for the root itself (`./`): its attributes go to the target directory.
    private func updateRoot(_ entry: TarEntry, path: EntryPath) throws(EntryFailure) {
        guard entry.kind == .directory else {
            throw .system(SystemError(operation: "replace the extraction directory", code: EISDIR))
        }
        try setOwnerAndMode(entry, on: rootDescriptor)
        directoryTimes.append((entry.path, path, entry.modificationTime))
    }

    private func setDirectoryTimes() throws(LayerExtractionError) {
        for (entry, path, time) in directoryTimes {
            // A later entry may have replaced the directory; then its time is that entry's.
            guard let directoryFile = try? openDirectory(path.components[...], creating: false, for: entry) else {
                continue
            }
            let directory = directoryFile.rawValue
            var times = [time.timespec, time.timespec]
            guard futimens(directory, &times) == 0 else {
                throw .filesystem(layer: layer, entry: entry.description, .last("set modification time"))
            }
        }
    }
}
