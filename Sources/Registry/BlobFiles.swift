import Glibc
import System
import NIOCore

/// A file a download streams into: created (or truncated) on open, written in order.
final class OutputFile {
    private var descriptor: Int32
    let path: String

    init(path: String) throws(RegistryError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .file(path: path, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
    }

    /// Appends the readable bytes of `buffer`.
    func write(_ buffer: ByteBuffer) throws(RegistryError) {
        let code = buffer.withUnsafeReadableBytes { bytes -> Int32 in
            var offset = 0
            while offset < bytes.count {
                let count = retryingOnInterrupt { Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
                if count < 0 {
                    return errno
                }
                offset += count
            }
            return 0
        }
        guard code == 0 else { throw failure("write", code) }
    }

    /// Closes the file; further calls do nothing.
    func close() throws(RegistryError) {
        guard descriptor >= 0 else { return }
        let result = Glibc.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw failure("close", errno) }
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    private func failure(_ operation: String, _ code: Int32) -> RegistryError {
        .file(path: path, reason: "\(operation): \(String(cString: strerror(code)))")
    }
}

/// A blob file an upload reads, a chunk at a time.
final class InputFile {
    private let descriptor: Int32
    let path: String

    init(path: String) throws(RegistryError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .file(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Exactly `count` bytes from `offset`; throws when the file is shorter.
    func read(offset: Int64, count: Int) throws(RegistryError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var failure: Int32 = 0
        let filled = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: max(count, 1)) { bytes -> Int in
            var filled = 0
            while filled < count {
                let read = retryingOnInterrupt { pread(descriptor, bytes.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
                if read < 0 {
                    failure = errno
                    break
                }
                if read == 0 { break }
                filled += read
            }
            return filled
        }
        guard failure == 0 else { throw .file(path: path, reason: "read: \(String(cString: strerror(failure)))") }
        guard filled == count else {
            throw .file(path: path, reason: "holds fewer bytes than its descriptor's size")
        }
        return buffer
    }
}
