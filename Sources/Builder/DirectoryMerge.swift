import Foundation
import Glibc
import System

/// Moves a freshly extracted tree into an existing directory, as BuildKit's local
/// exporter writes into one: each entry replaces what has its name there, except that a
/// directory over a directory merges into it (and takes the image's mode, owner and
/// times). What the directory held that the image lacks stays.
///
/// Every operation is relative to directory descriptors opened with `O_NOFOLLOW`, so a
/// symlink in the destination is never followed: where the image has a directory and
/// the destination a symlink, the symlink is replaced. Names are bytes, as on disk.
/// Both trees must be on one file system (entries are renamed, not copied).
enum DirectoryMerge {
    /// A failed system call of the merge; `cause` names the path.
    struct Failure: Error, CustomStringConvertible {
        var cause: SystemError

        init(path: String, operation: String, code: Int32) {
            cause = SystemError(operation: operation, path: path, code: code)
        }

        var description: String { "\(cause.path ?? ""): \(cause.operation) failed: \(cause.message)" }
    }

    /// Merges the contents of `source` into `destination` (both directory paths).
    static func merge(_ source: String, into destination: String) throws {
        let from = try openDirectory(AT_FDCWD, source, path: source)
        let to = try openDirectory(AT_FDCWD, destination, path: destination)
        try merge(from.rawValue, into: to.rawValue, path: destination)
    }

    private static func merge(_ source: Int32, into destination: Int32, path: String) throws {
        for name in try names(in: source, path: path) {
            try name.withUnsafeBufferPointer { buffer in
                let name = buffer.baseAddress!
                let display = path + "/" + String(decoding: buffer.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
                var incoming = stat(), existing = stat()
                guard fstatat(source, name, &incoming, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw Failure(path: display, operation: "stat", code: errno)
                }
                let exists = fstatat(destination, name, &existing, AT_SYMLINK_NOFOLLOW) == 0
                if exists, incoming.st_mode & S_IFMT == S_IFDIR, existing.st_mode & S_IFMT == S_IFDIR {
                    let fromFile = try openDirectory(source, name, path: display)
                    let toFile = try openDirectory(destination, name, path: display)
                    let to = toFile.rawValue
                    try merge(fromFile.rawValue, into: to, path: display)
                    // The image's directory attributes win, as its files do.
                    var times = [incoming.st_atim, incoming.st_mtim]
                    guard fchown(to, incoming.st_uid, incoming.st_gid) == 0, fchmod(to, incoming.st_mode & 0o7777) == 0,
                        futimens(to, &times) == 0
                    else {
                        throw Failure(path: display, operation: "set the attributes of", code: errno)
                    }
                    return
                }
                if exists { try remove(name, in: destination, path: display) }
                guard renameat(source, name, destination, name) == 0 else {
                    throw Failure(path: display, operation: "move into place", code: errno)
                }
            }
        }
    }

    private static func openDirectory(_ parent: Int32, _ name: UnsafePointer<CChar>, path: String) throws -> FileDescriptor {
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open directory", code: errno) }
        return FileDescriptor(adopting: descriptor)
    }

    /// Removes `name` from `directory`: a directory with everything in it, anything else unlinked.
    private static func remove(_ name: UnsafePointer<CChar>, in directory: Int32, path: String) throws {
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw Failure(path: path, operation: "stat", code: errno)
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            let childFile = try openDirectory(directory, name, path: path)
            let child = childFile.rawValue
            for entry in try names(in: child, path: path) {
                try entry.withUnsafeBufferPointer { try remove($0.baseAddress!, in: child, path: path) }
            }
            guard unlinkat(directory, name, AT_REMOVEDIR) == 0 else { throw Failure(path: path, operation: "remove", code: errno) }
        } else {
            guard unlinkat(directory, name, 0) == 0 else { throw Failure(path: path, operation: "remove", code: errno) }
        }
    }

    /// The names in a directory as NUL-terminated bytes, `.` and `..` left out.
    private static func names(in directory: Int32, path: String) throws -> [[CChar]] {
        do {
            return try DirectoryListing.entryNames(directory).map { $0.map { CChar(bitPattern: $0) } + [0] }
        } catch {
            throw Failure(path: path, operation: "list", code: error.code)
        }
    }
}
