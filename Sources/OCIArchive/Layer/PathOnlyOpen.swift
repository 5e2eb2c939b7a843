import Glibc
import System

/// Opens `name` in `directory` as an `O_PATH` descriptor, never following a symlink;
/// -1 with `errno` set on failure.
func openPathOnlyNoFollow(_ directory: Int32, _ name: UnsafePointer<CChar>) -> Int32 {
    openat(directory, name, openPathOnly | O_NOFOLLOW | O_CLOEXEC, 0)
}
