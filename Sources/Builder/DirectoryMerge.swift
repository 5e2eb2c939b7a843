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
        let names: [[UInt8]]
        do {
            names = try DirectoryListing.entryNames(source)
        } catch {
            throw Failure(path: path, operation: "list", code: error.code)
        }
        for bytes in names {
            let display = path + "/" + String(decoding: bytes, as: UTF8.self)
            try withNulTerminated(bytes) { name in
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
                if exists {
                    do throws(SystemError) {
                        try RootDirectory.remove(bytes, in: destination)
                    } catch {
                        throw Failure(path: display, operation: "remove (\(error.operation))", code: error.code)
                    }
                }
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
}
