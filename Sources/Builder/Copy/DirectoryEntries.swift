import FileNames
import Glibc
import OCI

/// The names in a directory, sorted byte-wise, `.` and `..` left out.
enum DirectoryEntries {
    /// Lists the directory open as `descriptor` (which stays open and owned by the caller);
    /// names are ``FileName`` strings, so a name that is not UTF-8 is kept exactly.
    static func names(of descriptor: Int32, path: String) throws(CopyError.Problem) -> [String] {
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw .system(path: path, .current("opendir"))
        }
        defer { closedir(stream) }
        rewinddir(stream)
        guard let names = FileName.entries(of: stream) else { throw .system(path: path, .current("readdir")) }
        return names
    }
}
