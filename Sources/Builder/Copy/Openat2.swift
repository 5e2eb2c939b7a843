import FileNames
import Glibc

/// `openat2(2)`, which Glibc's Swift module does not export: called through `syscall`
/// (looked up with `dlsym`, since Swift cannot call C variadic functions directly; on
/// x86_64 and aarch64 Linux a fixed-argument call is ABI-compatible with it).
enum Openat2 {
    /// `O_PATH` (Glibc exports it only under `_GNU_SOURCE`): a descriptor that names a
    /// file without opening it for reading, usable as the directory of `*at` calls.
    static let pathOnly: Int32 = 0o10_000_000

    /// `RESOLVE_NO_MAGICLINKS`: refuse `/proc/<pid>/fd`-style links.
    static let noMagicLinks: UInt64 = 0x02
    /// `RESOLVE_NO_SYMLINKS`: refuse every symlink on the way.
    static let noSymlinks: UInt64 = 0x04
    /// `RESOLVE_BENEATH`: refuse anything that would leave the starting directory.
    static let beneath: UInt64 = 0x08
    /// `RESOLVE_IN_ROOT`: treat the starting directory as `/`, for `..` and absolute symlinks.
    static let inRoot: UInt64 = 0x10

    private struct OpenHow {
        var flags: UInt64
        var mode: UInt64
        var resolve: UInt64
    }

    private typealias SyscallFunction = @convention(c) (Int, Int32, UnsafePointer<CChar>, UnsafeRawPointer, Int) -> Int
    private static let systemCallNumber = 437
    /// `syscall`, looked up once: a lookup per open costs as much as a small file's copy.
    private static let systemCall = dlsym(nil, "syscall").map { unsafeBitCast($0, to: SyscallFunction.self) }

    /// Opens `path` relative to `directory` with `flags` and the `resolve` restrictions;
    /// returns the descriptor, or -1 with `errno` set. Retries the `EAGAIN` that
    /// `RESOLVE_IN_ROOT` reports when a rename raced with the lookup.
    static func open(_ path: String, in directory: Int32, flags: Int32, resolve: UInt64, mode: UInt32 = 0) -> Int32 {
        guard let call = systemCall else {
            errno = ENOSYS
            return -1
        }
        var how = OpenHow(flags: UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), mode: UInt64(mode), resolve: resolve)
        let name = path.isEmpty ? "." : path
        for _ in 0..<8 {
            let result = withUnsafePointer(to: &how) { how in
                FileName.withCString(name) { call(systemCallNumber, directory, $0, UnsafeRawPointer(how), MemoryLayout<OpenHow>.size) }
            }
            if result >= 0 { return Int32(result) }
            if errno != EAGAIN { return -1 }
        }
        return -1
    }
}
