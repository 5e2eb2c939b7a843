import FileNames
import Glibc

/// Lists directories open as descriptors: the one directory lister of the project.
public enum DirectoryListing {
    /// The names in the directory open as `directory` (which stays open and owned by the
    /// caller), without `.` and `..`, as bytes, in the order the file system returns them.
    public static func entryNames(_ directory: Int32) throws(SystemError) -> [[UInt8]] {
        try entries(directory).map(\.name)
    }

    /// The entries of the directory open as `directory` (which stays open and owned by the
    /// caller), without `.` and `..`, in the order the file system returns them: each name
    /// as bytes with the type `readdir` reports (`DT_*`; `DT_UNKNOWN` where the file
    /// system gives none).
    public static func entries(_ directory: Int32) throws(SystemError) -> [(name: [UInt8], type: UInt8)] {
        let duplicate = fcntl(directory, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw .last("opendir") }
        guard let stream = fdopendir(duplicate) else {
            let failure = SystemError.last("opendir")
            close(duplicate)
            throw failure
        }
        defer { closedir(stream) }
        // The duplicate shares the file offset with `directory`, which an earlier listing
        // may have moved.
        rewinddir(stream)
        var entries: [(name: [UInt8], type: UInt8)] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .last("readdir") }
                return entries
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                Array(bytes.prefix { $0 != 0 })
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            entries.append((name, entry.pointee.d_type))
        }
    }

    /// The names in the directory open as `directory`, as ``FileName`` strings (a name that
    /// is not UTF-8 is kept exactly), in byte order of their real names.
    public static func sortedNames(_ directory: Int32) throws(SystemError) -> [String] {
        try entryNames(directory).sorted { $0.lexicographicallyPrecedes($1) }.map(FileName.decode)
    }
}
