import ELF
import FileNames
import Foundation
import System

/// Copies executables with everything their loader would load (the `PT_INTERP` loader and
/// every library, as resolved in the source root) into a destination directory, at the
/// same paths, ready to `COPY` into an image: `lddtree --copy-to-tree`, without running
/// anything.
///
/// Each path is copied the way it resolves: a symlink met on the way (a file's, or a
/// directory's such as Debian's `/lib -> usr/lib`) is recreated as the same symlink and its
/// target copied too, so the loader finds every library by the names it searches. The
/// destination is written only through descriptors opened beneath it with no symlink
/// followed (`openat2` `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), so a recreated absolute
/// symlink never leads a later write out of it. Existing entries are kept.
public struct ELFBundle {
    /// What one bundle copied and what stopped it from being complete.
    public struct Outcome: Sendable, Equatable {
        /// Paths (inside the root) of the files and symlinks created, in order.
        public var created: [String] = []
        /// Loader findings: libraries that could not be found are not in the bundle.
        public var findings: [String] = []
    }

    /// A failure to write the bundle: the message, and the error behind it when a call
    /// failed (its text is part of the message).
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public var cause: (any Error)?

        init(description: String, cause: (any Error)? = nil) {
            self.description = description
            self.cause = cause
        }

        /// `what` failed with `error`, worded "`what` (errno N)". The error comes first, so
        /// `errno` is read before anything else runs.
        init(_ error: SystemError, _ what: String) {
            self.init(description: "\(what) (errno \(error.code))", cause: error)
        }
    }

    /// The root the executables and their libraries are read from.
    public let source: ImageRoot
    /// The destination directory (created if missing).
    public let destination: String

    public init(source: ImageRoot, destination: String) {
        self.source = source
        self.destination = destination
    }

    /// Copies each of `paths` (inside the source root) with its dependency closure.
    public func bundle(_ paths: [String]) throws -> Outcome {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let target: RootDirectory
        do {
            target = try RootDirectory(path: destination)
        } catch {
            throw Failure(description: "\(destination): \(error)", cause: error)
        }
        let resolver = DependencyResolver(root: source)
        var result = Outcome()
        var done: Set<String> = []
        for path in paths {
            let inside = path.hasPrefix("/") ? path : "/" + path
            var files = [inside]
            if let file = try? resolver.file(at: inside), file.interpreter != nil || ELFKind(file) == .sharedLibrary {
                let resolution = try resolver.resolve(inside)
                if let interpreter = resolution.interpreter { files.append(interpreter) }
                files += resolution.libraryPaths
                result.findings += resolution.findings.map(\.description)
            }
            for file in files where done.insert(file).inserted {
                try mirror(file, into: target, result: &result)
            }
        }
        return result
    }

    /// Recreates `path` in `target` as it resolves in the source: directories on the way,
    /// each symlink met (then its target), and the final regular file's contents and mode.
    private func mirror(_ path: String, into target: RootDirectory, result: inout Outcome) throws {
        // Counted here too, so that no link beyond the limit is made in the bundle.
        var links = 0
        _ = try source.walkComponents(path, followingLast: true) { parent, name, found, isLast in
            let candidate = "/" + (parent + [name]).joined(separator: "/")
            switch found {
            case .missing:
                throw Failure(description: "\(FileName.display(path)): no such file in the source root (at \(FileName.display(candidate)))")
            case .link(let link):
                links += 1
                guard links <= ImageRoot.maximumLinks else {
                    throw Failure(description: "\(FileName.display(path)): too many levels of symbolic links")
                }
                try makeSymlink(at: parent, name: name, target: link, in: target, result: &result)
            case .directory(let mode):
                try makeDirectory(at: parent, name: name, mode: mode & 0o7777, in: target)
            case .file(let mode, isRegular: true) where isLast:
                try copyFile(candidate, to: parent, name: name, mode: mode & 0o7777, in: target, result: &result)
            case .file:
                throw Failure(
                    description: "\(FileName.display(path)): \(FileName.display(candidate)) is not a directory, regular file or symlink")
            }
            return true
        }
    }

    /// The destination directory `components` (relative to the root), opened with no symlink followed.
    private func openDirectory(_ components: [String], in target: RootDirectory) throws -> Int32 {
        do {
            return try target.openExact(
                components.isEmpty ? "." : components.joined(separator: "/"),
                flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } catch {
            throw Failure(description: "\(destination): \(error)", cause: error)
        }
    }

    private func makeDirectory(at parent: [String], name: String, mode: mode_t, in target: RootDirectory) throws {
        let directoryFile = try FileDescriptor(adopting: openDirectory(parent, in: target))
        let directory = directoryFile.rawValue
        if FileName.mkdirat(directory, name, mode | 0o700) != 0 && errno != EEXIST {
            throw Failure(SystemError.last("mkdir"), "\(destination)/\((parent + [name]).joined(separator: "/")): mkdir failed")
        }
    }

    private func makeSymlink(
        at parent: [String], name: String, target link: String, in target: RootDirectory,
        result: inout Outcome
    ) throws {
        let directoryFile = try FileDescriptor(adopting: openDirectory(parent, in: target))
        let directory = directoryFile.rawValue
        let path = "/" + (parent + [name]).joined(separator: "/")
        if FileName.symlinkat(FileName.encode(link), directory, name) == 0 {
            result.created.append(path)
        } else if errno != EEXIST || FileName.readlinkat(directory, name) != FileName.encode(link) {
            throw Failure(
                description:
                    "\(destination)\(FileName.display(path)): cannot make the symlink to \(FileName.display(link)) (something else is there)"
            )
        }
    }

    private func copyFile(
        _ source: String, to parent: [String], name: String, mode: mode_t, in target: RootDirectory,
        result: inout Outcome
    ) throws {
        let directoryFile = try FileDescriptor(adopting: openDirectory(parent, in: target))
        let directory = directoryFile.rawValue
        let path = "/" + (parent + [name]).joined(separator: "/")
        let outputFile = FileDescriptor(
            adopting: FileName.openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode))
        let output = outputFile.rawValue
        if output < 0 && errno == EEXIST { return }
        guard output >= 0 else { throw Failure(SystemError.last("create"), "\(destination)\(FileName.display(path)): cannot create") }
        let inputFile = self.source.open(source, flags: O_RDONLY | O_NOFOLLOW)
        let input = inputFile.rawValue
        guard input >= 0 else { throw Failure(SystemError.last("open"), "\(FileName.display(source)): cannot open") }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw Failure(SystemError.last("read"), "\(FileName.display(source)): read failed") }
            if count == 0 { break }
            var written = 0
            while written < count {
                let step = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                guard step > 0 else { throw Failure(SystemError.last("write"), "\(destination)\(FileName.display(path)): write failed") }
                written += step
            }
        }
        fchmod(output, mode)
        result.created.append(path)
    }
}
