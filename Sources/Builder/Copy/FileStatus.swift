import FileNames
import Glibc
import OCI
import System

/// The `stat` fields a copy needs, taken without following a final symlink unless asked.
struct FileStatus: Sendable {
    /// The file type bits (`S_IFMT`).
    var type: UInt32
    /// The permission bits, setuid, setgid and sticky included (`0o7777`).
    var permissions: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: Int64
    var device: UInt64
    var inode: UInt64
    var linkCount: UInt64
    var specialDevice: UInt64
    var accessTime: timespec
    var modificationTime: timespec
    var changeTime: timespec

    init(_ status: stat) {
        type = status.st_mode & S_IFMT
        permissions = status.st_mode & 0o7777
        uid = status.st_uid
        gid = status.st_gid
        size = Int64(status.st_size)
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        linkCount = UInt64(status.st_nlink)
        specialDevice = UInt64(status.st_rdev)
        accessTime = status.st_atim
        modificationTime = status.st_mtim
        changeTime = status.st_ctim
    }

    /// The status of the file open as `descriptor`.
    init(descriptor: Int32, path: String) throws(CopyError.Problem) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .system(path: path, .last("stat")) }
        self.init(status)
    }

    /// The status of `name` in `directory`, not following a final symlink.
    init(name: String, in directory: Int32, path: String) throws(CopyError.Problem) {
        var status = stat()
        guard FileName.fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { throw .system(path: path, .last("lstat")) }
        self.init(status)
    }

    var isDirectory: Bool { type == S_IFDIR }
    var isRegularFile: Bool { type == S_IFREG }
    var isSymlink: Bool { type == S_IFLNK }
}
