import FileNames
import Glibc
import OCI

/// A directory tree reached only through a descriptor of its root, so that paths in it
/// resolve as if it were `/`: absolute symlinks and `..` stop at the root (`openat2`
/// with `RESOLVE_IN_ROOT`). Both the source tree of a copy and its target root are one.
final class RootDirectory {
    /// The root, opened `O_PATH | O_DIRECTORY`.
    let descriptor: Int32
    private let canonicalPath: String

    /// Opens the directory at `path`.
    init(path: String) throws(CopyError.Problem) {
        let descriptor = open(path, Openat2.pathOnly | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(path: path, .current("open")) }
        self.descriptor = descriptor
        self.canonicalPath = Self.procPath(of: descriptor) ?? path
    }

    /// Makes the open directory `directory` (not consumed) a root of its own.
    init(directory: Int32, displayedAs path: String) throws(CopyError.Problem) {
        let descriptor = openat(directory, ".", Openat2.pathOnly | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(path: path, .current("open")) }
        self.descriptor = descriptor
        self.canonicalPath = Self.procPath(of: descriptor) ?? path
    }

    deinit {
        close(descriptor)
    }

    /// Opens `relative` (`/`-separated, absolute or not) as if the root were `/`, following
    /// symlinks inside the root, including a final one unless `flags` has `O_NOFOLLOW`.
    /// Returns -1 with `errno` set on failure.
    func openInRoot(_ relative: String, flags: Int32) -> Int32 {
        Openat2.open(relative, in: descriptor, flags: flags, resolve: Openat2.inRoot | Openat2.noMagicLinks)
    }

    /// Opens `relative`, a path this tree's own walk produced, refusing any symlink on
    /// the way: a tree changed under the walk fails instead of leading elsewhere.
    func openExact(_ relative: String, flags: Int32) throws(CopyError.Problem) -> Int32 {
        let opened = Openat2.open(relative, in: descriptor, flags: flags | O_NOFOLLOW, resolve: Openat2.beneath | Openat2.noSymlinks)
        guard opened >= 0 else { throw .system(path: display(relative), .current("open")) }
        return opened
    }

    /// The path of the open file `descriptor` relative to this root, `""` for the root;
    /// nil when the kernel places it outside (which `RESOLVE_IN_ROOT` rules out).
    func relativePath(of descriptor: Int32) -> String? {
        guard let full = Self.procPath(of: descriptor) else { return nil }
        if full == canonicalPath { return "" }
        let prefix = canonicalPath == "/" ? "/" : canonicalPath + "/"
        guard full.hasPrefix(prefix) else { return nil }
        return String(full.dropFirst(prefix.count))
    }

    /// `relative` as a user sees it: rooted at `/`, bytes that are not UTF-8 as `\xNN`.
    func display(_ relative: String) -> String {
        "/" + FileName.display(relative)
    }

    private static func procPath(of descriptor: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return FileName.decode(buffer[..<count].map { UInt8(bitPattern: $0) })
    }
}
