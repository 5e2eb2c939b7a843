import Foundation
import Glibc

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
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var operation: String
        var code: Int32
        var description: String { "\(path): \(operation) failed: \(String(cString: strerror(code)))" }
    }

    /// Merges the contents of `source` into `destination` (both directory paths).
    static func merge(_ source: String, into destination: String) throws {
        let from = try openDirectory(AT_FDCWD, source, path: source)
        defer { close(from) }
        let to = try openDirectory(AT_FDCWD, destination, path: destination)
        defer { close(to) }
        try merge(from, into: to, path: destination)
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
                    let from = try openDirectory(source, name, path: display)
                    defer { close(from) }
                    let to = try openDirectory(destination, name, path: display)
                    defer { close(to) }
                    try merge(from, into: to, path: display)
                    // The image's directory attributes win, as its files do.
                    var times = [incoming.st_atim, incoming.st_mtim]
                    guard fchown(to, incoming.st_uid, incoming.st_gid) == 0, fchmod(to, incoming.st_mode & 0o7777) == 0,
                          futimens(to, &times) == 0 else {
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

    private static func openDirectory(_ parent: Int32, _ name: UnsafePointer<CChar>, path: String) throws -> Int32 {
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open directory", code: errno) }
        return descriptor
    }

    /// Removes `name` from `directory`: a directory with everything in it, anything else unlinked.
    private static func remove(_ name: UnsafePointer<CChar>, in directory: Int32, path: String) throws {
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw Failure(path: path, operation: "stat", code: errno)
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            let child = try openDirectory(directory, name, path: path)
            defer { close(child) }
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
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else {
            let code = errno
            if copy >= 0 { close(copy) }
            throw Failure(path: path, operation: "list", code: code)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [[CChar]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw Failure(path: path, operation: "list", code: errno) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                bytes.prefix { $0 != 0 }.map { CChar(bitPattern: $0) } + [0]
            }
            if name != [0x2E, 0], name != [0x2E, 0x2E, 0] { names.append(name) }
        }
    }
}
