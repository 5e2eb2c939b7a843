import CSystemShim
import FileNames
import Glibc

/// `O_PATH`: a descriptor that names a file without opening it for I/O, so a fifo does
/// not block and a device is not opened; usable as the directory of `*at` calls. With
/// `O_NOFOLLOW` it names a symlink itself.
public let openPathOnly: Int32 = csystem_o_path

/// How `openat2(2)` may resolve a path (`RESOLVE_*`).
public struct Resolve: OptionSet, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `RESOLVE_NO_MAGICLINKS`: refuse `/proc/<pid>/fd`-style links.
    public static let noMagicLinks = Resolve(rawValue: UInt64(RESOLVE_NO_MAGICLINKS))
    /// `RESOLVE_NO_SYMLINKS`: refuse every symlink on the way.
    public static let noSymlinks = Resolve(rawValue: UInt64(RESOLVE_NO_SYMLINKS))
    /// `RESOLVE_BENEATH`: refuse anything that would leave the starting directory.
    public static let beneath = Resolve(rawValue: UInt64(RESOLVE_BENEATH))
    /// `RESOLVE_IN_ROOT`: treat the starting directory as `/`, for `..` and absolute symlinks.
    public static let inRoot = Resolve(rawValue: UInt64(RESOLVE_IN_ROOT))
}

/// Opens `path` (a ``FileName`` string; empty is `.`) relative to `directory` with
/// `flags` (plus `O_CLOEXEC`) and the `resolve` restrictions; returns the descriptor, or
/// -1 with `errno` set. Retries `EINTR`, and the `EAGAIN` that `RESOLVE_IN_ROOT` reports
/// when a rename raced with the lookup (a few times).
public func openat2(_ path: String, in directory: Int32, flags: Int32, resolve: Resolve, mode: UInt32 = 0) -> Int32 {
    let name = path.isEmpty ? "." : path
    let flags = UInt64(UInt32(bitPattern: flags | O_CLOEXEC))
    for _ in 0..<8 {
        let result = retryingOnInterrupt {
            FileName.withCString(name) { csystem_openat2(directory, $0, flags, UInt64(mode), resolve.rawValue) }
        }
        if result >= 0 { return result }
        if errno != EAGAIN { return -1 }
    }
    return -1
}
