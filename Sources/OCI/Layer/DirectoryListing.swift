import Glibc

/// The names in the directory open as `directory`, without `.` and `..`, in the order
/// the file system returns them.
func directoryEntryNames(_ directory: Int32) throws(SystemError) -> [[UInt8]] {
    let duplicate = dup(directory)
    guard duplicate >= 0 else { throw .last("dup") }
    guard let stream = fdopendir(duplicate) else {
        let failure = SystemError.last("fdopendir")
        close(duplicate)
        throw failure
    }
    defer { closedir(stream) }
    // The duplicate shares the file offset with `directory`, which an earlier listing
    // may have moved.
    rewinddir(stream)
    var names: [[UInt8]] = []
    while true {
        errno = 0
        guard let entry = readdir(stream) else {
            if errno != 0 { throw .last("readdir") }
            return names
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
            Array(bytes.prefix { $0 != 0 })
        }
        if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
        names.append(name)
    }
}
