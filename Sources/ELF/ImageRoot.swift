import FileNames
import System

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A host directory treated as the `/` of an image filesystem. Paths are resolved inside it the
/// way the kernel resolves them inside a chroot: symbolic links are followed, absolute link
/// targets start again at the root, and `..` never climbs above it, so nothing on the host
/// outside the directory is ever reached.
///
/// Every read goes through one descriptor of the directory (System's ``RootDirectory``,
/// opened once per value): the kernel does each walk with `openat2` and `RESOLVE_IN_ROOT`,
/// so a link the image changes while it is read cannot lead out of the root either. A
/// host path (``hostPath(_:)``) only names a file in messages; it is never opened.
public struct ImageRoot: Sendable, Equatable {
    /// The host path of the directory that is the image's `/`.
    public let directory: String
    /// The directory, opened once; nil when it could not be opened (then nothing resolves).
    private let root: RootDirectory?
    /// Where every path this root looks up is recorded, with each component the lookup
    /// walks (see ``ReadSet``); nil when nothing records.
    public let readLog: ReadLog?

    /// The most symbolic links followed while resolving one path, as Linux (`ELOOP` after 40).
    public static let maximumLinks = 40

    /// Treats `directory` (a host path) as an image's root; `readLog` records what is read.
    public init(_ directory: String, readLog: ReadLog? = nil) {
        self.directory = directory
        self.readLog = readLog
        root = try? RootDirectory(path: directory)
    }

    public static func == (lhs: ImageRoot, rhs: ImageRoot) -> Bool {
        lhs.directory == rhs.directory
    }

    /// The host path of `path`, an absolute path inside the image, without following links;
    /// for messages only.
    public func hostPath(_ path: String) -> String {
        let trimmed = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return trimmed + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// Resolves `path` (absolute inside the image; relative paths are taken from `/`) through
    /// every symbolic link. Returns the resolved absolute path inside the image, or nil when it
    /// does not exist (a missing component, a dangling link, a non-directory used as a
    /// directory). Throws when more than ``maximumLinks`` links are followed (the kernel's
    /// limit of 40).
    public func resolve(_ path: String) throws(ELFFinding) -> String? {
        guard let root else { return nil }
        let opened = open(path, flags: openPathOnly)
        guard opened.rawValue >= 0 else {
            if errno == ELOOP {
                throw ELFFinding(path: path, problem: .invalid(what: "path", detail: "too many levels of symbolic links"))
            }
            return nil
        }
        return root.relativePath(of: opened.rawValue).map { "/" + $0 }
    }

    /// Opens `path` inside the image (links followed inside the root, the last one too unless
    /// `flags` has `O_NOFOLLOW`; `O_CLOEXEC` added). A negative descriptor, with `errno` set,
    /// when it cannot be opened.
    public func open(_ path: String, flags: Int32) -> FileDescriptor {
        guard let root else {
            errno = ENOENT
            return FileDescriptor(adopting: -1)
        }
        // Empty components are dropped, so a trailing `/` does not require a directory.
        let relative = path.split(separator: "/").joined(separator: "/")
        if let readLog { readLog.note(walk(relative, followingLast: flags & O_NOFOLLOW == 0, log: readLog).reads) }
        return FileDescriptor(adopting: root.openInRoot(relative.isEmpty ? "." : relative, flags: flags | O_CLOEXEC))
    }

    /// The status of `path` inside the image, its last component not followed (`lstat`);
    /// nil when it does not exist.
    public func status(_ path: String) -> stat? {
        let file = open(path, flags: openPathOnly | O_NOFOLLOW)
        var status = stat()
        guard file.rawValue >= 0, fstat(file.rawValue, &status) == 0 else { return nil }
        return status
    }

    /// The target of the symbolic link `path` inside the image (its last component not
    /// followed); nil when it is not a link.
    public func readLink(_ path: String) -> String? {
        let file = open(path, flags: openPathOnly | O_NOFOLLOW)
        guard file.rawValue >= 0 else { return nil }
        return FileName.readlinkat(file.rawValue, "").map { FileName.decode($0) }
    }

    /// The whole regular file at `path` inside the image (a symlink as the last component is
    /// refused), at most `sizeLimit` bytes. A failure is a finding naming the file's host path.
    public func readRegularFile(_ path: String, sizeLimit: Int) throws(ELFFinding) -> [UInt8] {
        do {
            let file = try openRegularFile(path)
            return try readAll(file.rawValue, sizeLimit: sizeLimit)
        } catch {
            throw ELFFinding(path: hostPath(path), problem: error)
        }
    }

    /// The regular file at `path` inside the image (a symlink as the last component is
    /// refused), of at most `sizeLimit` bytes, open for reading in parts. A failure is a
    /// finding naming the file's host path.
    func filePages(_ path: String, sizeLimit: Int) throws(ELFFinding) -> FilePages {
        do {
            return try FilePages(file: openRegularFile(path), sizeLimit: sizeLimit)
        } catch {
            throw ELFFinding(path: hostPath(path), problem: error)
        }
    }

    /// The first `count` bytes (or fewer) of the regular file at `path` inside the image;
    /// nil when it is not a regular file or cannot be read.
    public func readPrefix(_ path: String, count: Int) -> [UInt8]? {
        guard let file = try? openRegularFile(path) else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        let read = buffer.withUnsafeMutableBytes { bytes in
            retryingOnInterrupt { Glibc.read(file.rawValue, bytes.baseAddress, count) }
        }
        return read < 0 ? nil : Array(buffer.prefix(read))
    }

    /// Opens `path` for reading when it is a regular file, looked at first without opening it
    /// for reading, so that a FIFO or a device in the image is never opened.
    private func openRegularFile(_ path: String) throws(ELFProblem) -> FileDescriptor {
        guard let status = status(path) else { throw .unreadable(errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .invalid(what: "file", detail: "not a regular file") }
        let file = open(path, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        guard file.rawValue >= 0 else { throw .unreadable(errno: errno) }
        return file
    }

    /// The names in the directory `path` (inside the image, opened through ``resolve(_:)``'s
    /// confinement), as bytes, without `.` and `..`; nil when it cannot be listed.
    public func entryNames(_ path: String) -> [[UInt8]]? {
        let directory = open(path, flags: O_RDONLY | O_DIRECTORY)
        guard directory.rawValue >= 0 else { return nil }
        if let readLog, let resolved = walk(path.split(separator: "/").joined(separator: "/"), followingLast: true, log: readLog).resolved {
            var listed = ReadSet()
            listed.listings.insert(resolved)
            readLog.note(listed)
        }
        return try? DirectoryListing.entryNames(directory.rawValue)
    }

    /// What a lookup finds at one component of a path, the directories before it resolved.
    public enum Component: Sendable, Equatable {
        case directory(mode: mode_t)
        case link(target: String)
        /// Anything else: a regular file (`isRegular`), a device, a FIFO, a socket.
        case file(mode: mode_t, isRegular: Bool)
        case missing
    }

    /// How a ``walkComponents(_:followingLast:lookUp:visit:)`` ended.
    public enum WalkEnd: Sendable, Equatable {
        /// At the end of the path: where it resolved (the last link not followed unless asked).
        case resolved(String)
        /// At a missing component, a non-directory before the end, or where `visit` said so.
        case stopped
        /// After more than ``maximumLinks`` links.
        case tooManyLinks
    }

    /// Walks `path` one component at a time as the kernel's lookup inside the root does:
    /// links followed (the last one only when `followingLast`), an absolute target from
    /// `/`, `..` stopping at `/`, at most ``maximumLinks`` links. `visit` gets each
    /// component's resolved parent directories, its name, what is there and whether it is
    /// the path's last component, and returns whether to go on. Each component is looked at
    /// with the links before it resolved, so it is opened exactly (no link followed) inside
    /// the root; `lookUp` may answer instead (a memo), given the component's path relative
    /// to the root.
    public func walkComponents(
        _ path: String, followingLast: Bool, lookUp: ((String) -> Component)? = nil,
        visit: (_ parent: [String], _ name: String, _ found: Component, _ isLast: Bool) throws -> Bool
    ) rethrows -> WalkEnd {
        var resolved: [String] = []
        // Components still to walk, the next one last.
        var pending = Array(path.split(separator: "/").map(String.init).reversed())
        var links = 0
        while let name = pending.popLast() {
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                _ = resolved.popLast()
                continue
            }
            let isLast = pending.isEmpty
            let relative = (resolved + [name]).joined(separator: "/")
            let found = lookUp?(relative) ?? component(at: relative)
            guard try visit(resolved, name, found, isLast) else { return .stopped }
            switch found {
            case .missing:
                return .stopped
            case .directory:
                resolved.append(name)
            case .link(let target):
                if isLast && !followingLast { return .resolved("/" + relative) }
                links += 1
                guard links <= Self.maximumLinks else { return .tooManyLinks }
                if target.hasPrefix("/") { resolved = [] }
                pending += target.split(separator: "/").map(String.init).reversed()
            case .file:
                // Only the last component may be other than a directory.
                guard isLast else { return .stopped }
                resolved.append(name)
            }
        }
        return .resolved("/" + resolved.joined(separator: "/"))
    }

    /// What is at `relative` (no links in it but the last component, which is not followed).
    public func component(at relative: String) -> Component {
        guard let root, let opened = try? root.openExact(relative, flags: openPathOnly) else { return .missing }
        let file = FileDescriptor(adopting: opened)
        var status = stat()
        guard fstat(file.rawValue, &status) == 0 else { return .missing }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .directory(mode: status.st_mode)
        case S_IFLNK: return FileName.readlinkat(file.rawValue, "").map { .link(target: FileName.decode($0)) } ?? .missing
        default: return .file(mode: status.st_mode, isRegular: status.st_mode & S_IFMT == S_IFREG)
        }
    }

    /// ``walkComponents(_:followingLast:lookUp:visit:)`` of `relative` for `log`: each path
    /// passed, noted with what was found there (memoized in the log, as the whole walk is;
    /// the root does not change while it is read); ``open(_:flags:)`` still does the lookup
    /// that counts, in the kernel.
    private func walk(_ relative: String, followingLast: Bool, log: ReadLog) -> ReadLog.Walk {
        let key = ReadLog.WalkKey(path: relative, followsLast: followingLast)
        if let known = log.knownWalk(key) { return known }
        var reads = ReadSet()
        let end = walkComponents(
            relative, followingLast: followingLast,
            lookUp: { path in
                if let known = log.knownComponent(path) { return known }
                let found = component(at: path)
                log.remember(found, at: path)
                return found
            }
        ) { parent, name, found, _ in
            let path = "/" + (parent + [name]).joined(separator: "/")
            if case .directory = found { reads.directories.insert(path) } else { reads.others.insert(path) }
            return true
        }
        let walk = ReadLog.Walk(reads: reads, resolved: { if case .resolved(let path) = end { path } else { nil } }())
        log.remember(walk, for: key)
        return walk
    }
}
