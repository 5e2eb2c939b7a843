import Glibc

/// Calls `body`, a system call that returns -1 with `errno` set on failure, again for as
/// long as it fails with `EINTR` (a signal arrived before it did anything). The one place
/// where the project retries interrupted calls.
@inlinable
public func retryingOnInterrupt<Result: BinaryInteger>(_ body: () -> Result) -> Result {
    while true {
        let result = body()
        if result != -1 || errno != EINTR { return result }
    }
}
