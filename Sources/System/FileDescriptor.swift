import FileNames
import Glibc

/// An open file descriptor that this value owns. It cannot be copied, so there is one
/// owner, and it is closed exactly once: when the value goes away, or by ``close()``
/// (which reports the error, for a file that was written). ``release()`` hands the raw
/// descriptor to an owner outside Swift (a C library, `fdopendir`).
public struct FileDescriptor: ~Copyable, Sendable {
    /// The descriptor number, valid while this value lives.
    public let rawValue: Int32

    /// Takes ownership of the open descriptor `rawValue`. A negative value (what a failed
    /// `open` returns) owns nothing, so a result can be adopted before it is checked.
    public init(adopting rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Takes ownership of what an `open`-like call returned, or throws the `errno` it set
    /// when it returned -1. `operation` and `path` name the call for the error.
    public init(opening rawValue: Int32, _ operation: String, path: String? = nil) throws(SystemError) {
        guard rawValue >= 0 else { throw .last(operation, path: path) }
        self.rawValue = rawValue
    }

    /// Opens `path` (relative to `directory`, names as ``FileName`` strings), retrying
    /// `EINTR`; `O_CLOEXEC` is always added.
    public static func open(
        _ path: String, in directory: Int32 = AT_FDCWD, flags: Int32, mode: mode_t = 0
    ) throws(SystemError) -> FileDescriptor {
        let opened = retryingOnInterrupt { FileName.openat(directory, path, flags | O_CLOEXEC, mode) }
        return try FileDescriptor(opening: opened, "open", path: FileName.display(path))
    }

    deinit {
        // On Linux the descriptor is released even when close fails; nothing to retry.
        if rawValue >= 0 { Glibc.close(rawValue) }
    }

    /// Closes the descriptor now and reports a failure (a delayed write error).
    public consuming func close() throws(SystemError) {
        let raw = rawValue
        discard self
        guard Glibc.close(raw) == 0 else { throw .last("close") }
    }

    /// Gives up ownership: the caller (or the C library it hands the number to) closes it.
    public consuming func release() -> Int32 {
        let raw = rawValue
        discard self
        return raw
    }

    /// A second descriptor for the same open file (`F_DUPFD_CLOEXEC`).
    public func duplicate() throws(SystemError) -> FileDescriptor {
        try FileDescriptor(opening: fcntl(rawValue, F_DUPFD_CLOEXEC, 0), "dup")
    }

    /// `fstat`.
    public func status() throws(SystemError) -> stat {
        var status = stat()
        guard fstat(rawValue, &status) == 0 else { throw .last("stat") }
        return status
    }
}

// MARK: - Reading and writing a raw descriptor

/// Reads what is available from `descriptor` into `buffer`, retrying on `EINTR`; 0 at the end.
public func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
    let count = retryingOnInterrupt { read(descriptor, buffer.baseAddress, buffer.count) }
    guard count >= 0 else { throw .last("read") }
    return count
}

/// Writes all of `bytes` to `descriptor`, retrying short writes and `EINTR`.
public func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
    var remaining = bytes
    while !remaining.isEmpty {
        let count = retryingOnInterrupt { write(descriptor, remaining.baseAddress, remaining.count) }
        guard count >= 0 else { throw .last("write") }
        remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
    }
}

/// Writes all of `bytes` to `descriptor` at `offset` (`pwrite`), retrying short writes and `EINTR`.
public func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(SystemError) {
    var remaining = bytes
    var position = offset
    while !remaining.isEmpty {
        let count = retryingOnInterrupt { pwrite(descriptor, remaining.baseAddress, remaining.count, off_t(position)) }
        guard count >= 0 else { throw .last("write") }
        remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
        position += Int64(count)
    }
}
