import Foundation
import Glibc

/// File system steps of the image layout: whole-file reads with a size cap, and atomic
/// publication of new files (write a temporary file, fsync, rename or link it into
/// place, fsync the directory). A failed step removes its temporary file.
enum FileIO {
    /// The contents of `path`, or nil when it does not exist. Throws when the file is
    /// larger than `limit` bytes.
    static func readFile(_ path: String, limit: Int64) throws(OCIError) -> [UInt8]? {
        guard let file = try OpenFile(ifExists: path, flags: O_RDONLY) else { return nil }
        let size = try file.size()
        guard size <= limit else {
            throw .io(operation: "read", path: path, reason: "file is \(size) bytes, more than the \(limit) allowed")
        }
        return try file.read(upTo: Int(size))
    }

    /// Creates `path` and any missing parents.
    static func makeDirectories(_ path: String) throws(OCIError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "create directory", path: path, reason: error.localizedDescription)
        }
    }

    /// A new, unused path for a temporary file in `directory`.
    static func temporaryPath(in directory: String, for name: String) -> String {
        "\(directory)/.\(name).\(UUID().uuidString).tmp"
    }

    /// Writes `bytes` to a new temporary file in `directory` and fsyncs it; returns its path.
    static func writeTemporaryFile(_ bytes: [UInt8], in directory: String, for name: String) throws(OCIError)
        -> String
    {
        let temporary = temporaryPath(in: directory, for: name)
        do throws(OCIError) {
            let file = try OpenFile(path: temporary, flags: O_WRONLY | O_CREAT | O_EXCL)
            try file.writeAll(bytes)
            try file.sync()
        } catch {
            remove(temporary)
            throw error
        }
        return temporary
    }

    /// Atomically replaces (or creates) `path` with `bytes`, staging them in `temporaryDirectory`,
    /// which must be on the same file system.
    static func replace(_ path: String, with bytes: [UInt8], temporaryDirectory: String) throws(OCIError) {
        let temporary = try writeTemporaryFile(bytes, in: temporaryDirectory, for: basename(path))
        try moveIntoPlace(temporary, at: path)
    }

    /// Atomically creates `path` with `bytes` unless it already exists; returns whether it
    /// created the file. A concurrent creator wins or loses as a whole: the file never
    /// holds partial content and an existing file is never replaced.
    static func createIfAbsent(_ path: String, with bytes: [UInt8]) throws(OCIError) -> Bool {
        let temporary = try writeTemporaryFile(bytes, in: dirname(path), for: basename(path))
        defer { remove(temporary) }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return false }
            throw .posix("link", path)
        }
        try syncDirectory(dirname(path))
        return true
    }

    /// Renames the finished temporary file `temporary` to `path` and fsyncs the directory
    /// of `path`; removes `temporary` when the rename fails.
    static func moveIntoPlace(_ temporary: String, at path: String) throws(OCIError) {
        guard rename(temporary, path) == 0 else {
            let error = OCIError.posix("rename \(temporary) to", path)
            remove(temporary)
            throw error
        }
        try syncDirectory(dirname(path))
    }

    /// Flushes a directory's entries to stable storage, so that a rename into it survives a crash.
    static func syncDirectory(_ path: String) throws(OCIError) {
        let directory = try OpenFile(path: path, flags: O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }

    /// True when `path` is a regular file (following symlinks).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & Glibc.S_IFMT) == Glibc.S_IFREG
    }

    /// Removes `path`, ignoring failure; for cleaning up temporary files.
    static func remove(_ path: String) {
        unlink(path)
    }

    /// The directory part of `path` (`.` for a bare name).
    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
