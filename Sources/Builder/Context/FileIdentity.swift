/// What identifies one version of a file for the digest cache: its path and the stat
/// fields any change of content moves (size, mtime, inode, ctime).
struct FileIdentity: Sendable, Hashable {
    var path: String
    var size: Int64
    var modificationSeconds: Int
    var modificationNanoseconds: Int
    var inode: UInt64
    var changeSeconds: Int
    var changeNanoseconds: Int

    init(path: String, status: FileStatus) {
        self.init(
            path: path, size: status.size,
            modificationSeconds: status.modificationTime.tv_sec, modificationNanoseconds: status.modificationTime.tv_nsec,
            inode: status.inode,
            changeSeconds: status.changeTime.tv_sec, changeNanoseconds: status.changeTime.tv_nsec)
    }

    init(
        path: String, size: Int64, modificationSeconds: Int, modificationNanoseconds: Int, inode: UInt64,
        changeSeconds: Int, changeNanoseconds: Int
    ) {
        self.path = path
        self.size = size
        self.modificationSeconds = modificationSeconds
        self.modificationNanoseconds = modificationNanoseconds
        self.inode = inode
        self.changeSeconds = changeSeconds
        self.changeNanoseconds = changeNanoseconds
    }
}
