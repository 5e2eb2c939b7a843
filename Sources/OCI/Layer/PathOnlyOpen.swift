import Glibc

/// `O_PATH`, which Glibc's Swift module leaves out: a descriptor that names a file
/// without opening it for I/O, so a fifo does not block and a device is not opened. With
/// `O_NOFOLLOW` it names a symlink itself. The value is the same on x86_64 and arm64.
let openPathOnly: Int32 = 0o10_000_000

/// Opens `name` in `directory` as an `O_PATH` descriptor, never following a symlink;
/// -1 with `errno` set on failure.
func openPathOnlyNoFollow(_ directory: Int32, _ name: UnsafePointer<CChar>) -> Int32 {
    openat(directory, name, openPathOnly | O_NOFOLLOW | O_CLOEXEC, 0)
}
