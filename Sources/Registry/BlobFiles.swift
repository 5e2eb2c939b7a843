import Glibc
import NIOCore
import System

/// A file a download streams into: created (or truncated) on open, written in order.
final class OutputFile {
    /// The open file; nil once closed.
    private var file: OwnedFileDescriptor?
    let path: String

    init(path: String) throws(RegistryError) {
        self.path = path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .fileSystem(path: path, .last("cannot create"))
        }
        file = OwnedFileDescriptor(adopting: descriptor)
    }

    /// Appends the readable bytes of `buffer`.
    func write(_ buffer: ByteBuffer) throws(RegistryError) {
        guard let descriptor = file?.rawValue else { throw failure(SystemError(operation: "write", code: EBADF)) }
        let written = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(SystemError) in try writeAll(descriptor, bytes) }
        }
        if case .failure(let error) = written { throw failure(error) }
    }

    /// Closes the file; further calls do nothing.
    func close() throws(RegistryError) {
        guard let open = file.take() else { return }
        do {
            try open.close()
        } catch {
            throw failure(error)
        }
    }

    private func failure(_ error: SystemError) -> RegistryError {
        .fileSystem(path: path, error)
    }
}

/// A blob file an upload reads, a chunk at a time.
final class InputFile {
    private let file: OwnedFileDescriptor
    private var descriptor: Int32 { file.rawValue }
    let path: String

    init(path: String) throws(RegistryError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .fileSystem(path: path, .last("cannot open"))
        }
        file = OwnedFileDescriptor(adopting: descriptor)
    }

    /// Exactly `count` bytes from `offset`; throws when the file is shorter.
    func read(offset: Int64, count: Int) throws(RegistryError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var failure: Int32 = 0
        let filled = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: max(count, 1)) { bytes -> Int in
            var filled = 0
            while filled < count {
                let read = retryingOnInterrupt {
                    pread(descriptor, bytes.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
                }
                if read < 0 {
                    failure = errno
                    break
                }
                if read == 0 { break }
                filled += read
            }
            return filled
        }
        guard failure == 0 else { throw .fileSystem(path: path, SystemError(operation: "read", code: failure)) }
        guard filled == count else {
            throw .file(path: path, reason: "holds fewer bytes than its descriptor's size")
        }
        return buffer
    }
}
