import Foundation
import OCI
import OCIArchive
import System

/// One file of an archive being written: its path in the archive and the file holding its bytes.
struct ArchiveMember {
    var path: String
    var source: String

    /// Writes `members` as a tar at `destination`, atomically: to a temporary file beside
    /// it, renamed into place only when complete. Parent directories get their own entries.
    static func writeTar(_ members: [ArchiveMember], to destination: URL) throws {
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())")
        let outputFile = FileDescriptor(adopting: open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644))
        let output = outputFile.rawValue
        guard output >= 0 else { throw StoreError.io(path: temporary.path, operation: "create", errno: errno) }
        do {
            let writer = try TarWriter(name: destination.path) { (bytes) throws(ArchiveError) in
                var rest = bytes
                while !rest.isEmpty {
                    let written = retryingOnInterrupt { Glibc.write(output, rest.baseAddress, rest.count) }
                    guard written > 0 else {
                        throw ArchiveError(.writeData, archive: destination.path, message: SystemError.last("write").message)
                    }
                    rest = UnsafeRawBufferPointer(rebasing: rest[written...])
                }
            }
            var directories: Set<String> = []
            for member in members {
                for directory in parentDirectories(of: member.path) where directories.insert(directory).inserted {
                    try writer.write(TarEntry(path: ArchivePath(directory + "/"), kind: .directory, permissions: 0o755))
                }
                try write(member, with: writer)
            }
            try writer.finish()
            guard fsync(output) == 0 else { throw StoreError.io(path: temporary.path, operation: "fsync", errno: errno) }
            guard rename(temporary.path, destination.path) == 0 else {
                throw StoreError.io(path: destination.path, operation: "rename into place", errno: errno)
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    private static func write(_ member: ArchiveMember, with writer: TarWriter) throws {
        let inputFile = FileDescriptor(adopting: open(member.source, O_RDONLY | O_CLOEXEC))
        let input = inputFile.rawValue
        guard input >= 0 else { throw StoreError.io(path: member.source, operation: "open", errno: errno) }
        var status = stat()
        guard fstat(input, &status) == 0 else { throw StoreError.io(path: member.source, operation: "stat", errno: errno) }
        try writer.write(
            TarEntry(path: ArchivePath(member.path), kind: .file, permissions: 0o644, size: Int64(status.st_size)),
            dataFrom: input)
    }

    /// `a/b/c` -> `["a", "a/b"]`.
    private static func parentDirectories(of path: String) -> [String] {
        let components = path.split(separator: "/").dropLast()
        return components.indices.map { components[...$0].joined(separator: "/") }
    }
}
