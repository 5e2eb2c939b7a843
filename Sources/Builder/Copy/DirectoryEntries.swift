import Glibc
import OCI

/// The names in a directory, sorted byte-wise, `.` and `..` left out.
enum DirectoryEntries {
    /// Lists the directory open as `descriptor` (which stays open and owned by the caller).
    static func names(of descriptor: Int32, path: String) throws(CopyError.Problem) -> [String] {
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw .system(path: path, .current("opendir"))
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .system(path: path, .current("readdir")) }
                break
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
