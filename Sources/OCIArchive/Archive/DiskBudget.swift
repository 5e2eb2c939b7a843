import Glibc
import System

/// How much one extraction may write to a file system: what was available when it
/// started, less a reserve, so that a small hostile archive whose entries claim terabytes
/// fails with a clear error instead of filling the disk the store (and the host) live on.
///
/// Only bytes really written count: the holes of sparse entries are left as holes.
/// When the budget runs out it is measured again once (another process may have freed
/// space meanwhile) before the extraction is refused.
public final class DiskBudget {
    /// The directory whose file system is measured, named in errors.
    public let path: String
    private let directory: FileDescriptor
    private var allowed: Int64
    /// Bytes written so far under this budget.
    public private(set) var used: Int64 = 0

    /// What is kept free: 2% of the file system, at most 1 GiB (so a small file system,
    /// a tmpfs say, stays usable to the end, and a large one keeps room for the host).
    static func reserve(totalBytes: Int64) -> Int64 {
        min(totalBytes / 50, 1 << 30)
    }

    /// A budget for writes below the open directory `descriptor` (not consumed), found
    /// at `path`.
    public init(directory descriptor: Int32, path: String) throws(SystemError) {
        self.path = path
        directory = FileDescriptor(adopting: dup(descriptor))
        guard directory.rawValue >= 0 else { throw .last("dup") }
        allowed = 0
        allowed = try Self.allowance(of: directory.rawValue)
    }

    /// A budget for writes below the directory at `path`.
    public convenience init(path: String) throws(SystemError) {
        let directoryFile = FileDescriptor(adopting: open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        let directory = directoryFile.rawValue
        guard directory >= 0 else { throw .last("open \(path)") }
        try self.init(directory: directory, path: path)
    }

    /// Counts `bytes` about to be written; throws `ENOSPC` with the figures when they
    /// would leave less than the reserve free.
    public func spend(_ bytes: Int64) throws(SystemError) {
        let total = used + bytes
        if total > allowed {
            // Measured again: the space now free plus what this extraction already used.
            let now = try Self.allowance(of: directory.rawValue)
            allowed = now + used
            guard total <= allowed else {
                throw SystemError(
                    operation: "write: the entries so far need \(total) bytes, and \(max(allowed, 0)) bytes "
                        + "can be written on the file system of \(path) while keeping the reserve free; nothing was kept",
                    code: ENOSPC)
            }
        }
        used = total
    }

    private static func allowance(of descriptor: Int32) throws(SystemError) -> Int64 {
        var status = statvfs()
        guard fstatvfs(descriptor, &status) == 0 else { throw .last("statvfs") }
        let unit = Int64(status.f_frsize)
        let available = Int64(status.f_bavail) * unit
        let total = Int64(status.f_blocks) * unit
        return available - reserve(totalBytes: total)
    }
}
