import FileNames
import Glibc

/// A directory tree reached only through a descriptor of its root, so that paths in it
/// resolve as if it were `/`: absolute symlinks and `..` stop at the root (`openat2`
/// with `RESOLVE_IN_ROOT`). The one way the project confines a path from its input to a
/// root: the source tree and the target root of a copy, the build context, the bundle of
/// `swiftbuild elf`, a layer's extraction and the ELF check's image root.
///
/// Sendable: it holds only its descriptor and path, never changed after `init`, and
/// `openat2` on one descriptor is safe from any thread.
public final class RootDirectory: Sendable {
    /// The root, opened `O_PATH | O_DIRECTORY`.
    private let handle: FileDescriptor
    private let canonicalPath: String

    /// The root's descriptor (`O_PATH`), valid while this value lives.
    public var descriptor: Int32 { handle.rawValue }

    /// Opens the directory at `path`.
    public init(path: String) throws(SystemError) {
        handle = try FileDescriptor(opening: FileName.open(path, openPathOnly | O_DIRECTORY | O_CLOEXEC), "open", path: path)
        canonicalPath = Self.procPath(of: handle.rawValue) ?? path
    }

    /// Makes the open directory `directory` (not consumed) a root of its own.
    public init(directory: Int32, displayedAs path: String) throws(SystemError) {
        handle = try FileDescriptor(opening: openat(directory, ".", openPathOnly | O_DIRECTORY | O_CLOEXEC), "open", path: path)
        canonicalPath = Self.procPath(of: handle.rawValue) ?? path
    }

    /// Opens `relative` (`/`-separated, absolute or not) as if the root were `/`, following
    /// symlinks inside the root, including a final one unless `flags` has `O_NOFOLLOW`.
    /// Returns -1 with `errno` set on failure.
    public func openInRoot(_ relative: String, flags: Int32) -> Int32 {
        openat2(relative, in: descriptor, flags: flags, resolve: [.inRoot, .noMagicLinks])
    }

    /// Opens `relative`, a path this tree's own walk produced, refusing any symlink on
    /// the way: a tree changed under the walk fails instead of leading elsewhere.
    public func openExact(_ relative: String, flags: Int32) throws(SystemError) -> Int32 {
        let opened = openat2(relative, in: descriptor, flags: flags | O_NOFOLLOW, resolve: [.beneath, .noSymlinks])
        guard opened >= 0 else { throw .last("open", path: display(relative)) }
        return opened
    }

    /// The path of the open file `descriptor` relative to this root, `""` for the root;
    /// nil when the kernel places it outside (which `RESOLVE_IN_ROOT` rules out).
    public func relativePath(of descriptor: Int32) -> String? {
        guard let full = Self.procPath(of: descriptor) else { return nil }
        if full == canonicalPath { return "" }
        let prefix = canonicalPath == "/" ? "/" : canonicalPath + "/"
        guard full.hasPrefix(prefix) else { return nil }
        return String(full.dropFirst(prefix.count))
    }

    /// `relative` as a user sees it: rooted at `/`, bytes that are not UTF-8 as `\xNN`.
    public func display(_ relative: String) -> String {
        "/" + FileName.display(relative)
    }

    private static func procPath(of descriptor: Int32) -> String? {
        FileName.readlinkat(AT_FDCWD, "/proc/self/fd/\(descriptor)").flatMap { $0.isEmpty ? nil : FileName.decode($0) }
    }
}
