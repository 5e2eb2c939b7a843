import CSystemShim
import Glibc

/// Writing a whole file system's dirty data to disk at once.
public enum FileSystemSync {
    /// `syncfs(2)` on the file system that holds `path` (a directory): what one call
    /// costs is the data written since the last writeback, however many files it is in.
    public static func sync(fileSystemOf path: String) throws(SystemError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .last("open", path: path) }
        defer { close(descriptor) }
        guard csystem_syncfs(descriptor) == 0 else { throw .last("syncfs", path: path) }
    }
}
