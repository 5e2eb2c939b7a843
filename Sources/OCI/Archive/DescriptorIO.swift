import Glibc

/// Reads what is available from `descriptor` into `buffer`, retrying on `EINTR`; 0 at the end.
func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
    while true {
        let count = read(descriptor, buffer.baseAddress, buffer.count)
        if count >= 0 { return count }
        if errno != EINTR { throw .last("read") }
    }
}

/// Writes all of `bytes` to `descriptor`, retrying short writes and `EINTR`.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
    var remaining = bytes
    while !remaining.isEmpty {
        let count = write(descriptor, remaining.baseAddress, remaining.count)
        if count < 0 {
            if errno == EINTR { continue }
            throw .last("write")
        }
        remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
    }
}

/// Writes all of `bytes` to `descriptor` at `offset` (`pwrite`), retrying short writes.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(SystemError) {
    var remaining = bytes
    var position = offset
    while !remaining.isEmpty {
        let count = pwrite(descriptor, remaining.baseAddress, remaining.count, off_t(position))
        if count < 0 {
            if errno == EINTR { continue }
            throw .last("write")
        }
        remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
        position += Int64(count)
    }
}
