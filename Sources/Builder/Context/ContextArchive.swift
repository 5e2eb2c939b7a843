import Glibc
import OCI
import System

/// A build context given as a tar archive (`swiftbuild build - < context.tar`, or a
/// tarball path), unpacked into a directory before the build reads it.
///
/// Unpacking is `ADD`'s (``ArchiveUnpacker``): entries land only below the directory
/// (`..`, absolute names and symlinked parents cannot lead out of it), keep their modes
/// and owners, and what they write is bounded by the free space of the file system.
public enum ContextArchive {
    /// Whether the file at `path` is a tar archive (plain, gzip, bzip2, xz or zstd).
    public static func isArchive(_ path: String) -> Bool {
        let descriptorFile = FileDescriptor(adopting: open(path, O_RDONLY | O_CLOEXEC))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else { return false }
        return ArchiveUnpacker.isArchive(descriptor, name: path)
    }

    /// Unpacks the archive at `path` into the directory `directory` (which must exist);
    /// errors name the archive.
    public static func extract(_ path: String, into directory: String) throws(ContextArchiveError) {
        do throws(CopyError.Problem) {
            let descriptorFile = FileDescriptor(adopting: open(path, O_RDONLY | O_CLOEXEC))
            let descriptor = descriptorFile.rawValue
            guard descriptor >= 0 else { throw .system(path: path, .last("open")) }
            let writer = TargetWriter(
                root: try RootDirectory.opening(directory), source: nil, owner: nil,
                preservesOwnership: true, modeChange: nil)
            try ArchiveUnpacker(writer: writer, owner: nil).extract(descriptor, name: path, into: [])
        } catch {
            throw ContextArchiveError(archive: path, problem: error)
        }
    }
}

/// Why a context archive could not be unpacked.
public struct ContextArchiveError: Error, Sendable, CustomStringConvertible {
    /// The archive (a path, or `<stdin>`).
    public var archive: String
    public var problem: CopyError.Problem

    public var description: String { "the build context \(archive): \(problem)" }
}
