import Glibc
import System

/// An open file (System's owned ``FileDescriptor``) with the few POSIX calls the layout
/// code needs, retried on `EINTR` and turned into ``OCIError``s naming the path.
struct OpenFile: ~Copyable {
    private let file: FileDescriptor
    /// The descriptor.
    var fd: Int32 { file.rawValue }
    /// The path it was opened with, for error messages.
    let path: String

    /// Opens `path`; throws for any failure.
    init(path: String, flags: Int32, mode: mode_t = 0o644) throws(OCIError) {
        guard let file = try OpenFile(ifExists: path, flags: flags, mode: mode) else {
            throw .posix("open", path, errno: ENOENT)
        }
        self = file
    }

    /// Opens `path`, or returns nil when it does not exist (`ENOENT`).
    ///
    /// Unless `flags` asks for a directory, the file must be a regular file: it is opened
    /// with `O_NONBLOCK`, so a FIFO or device planted in an image cannot block or feed
    /// endless data, and anything but a regular file is refused.
    init?(ifExists path: String, flags: Int32, mode: mode_t = 0o644) throws(OCIError) {
        let wantsDirectory = flags & O_DIRECTORY != 0
        let file = FileDescriptor(
            adopting: retryingOnInterrupt {
                Glibc.open(path, flags | O_CLOEXEC | (wantsDirectory ? 0 : O_NONBLOCK), mode)
            })
        let descriptor = file.rawValue
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw .posix("open", path)
        }
        if !wantsDirectory {
            var info = stat()
            guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                throw .io(operation: "open", path: path, reason: "not a regular file")
            }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        }
        self.file = file
        self.path = path
    }

    /// The file's size from `fstat`.
    func size() throws(OCIError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .posix("stat", path) }
        return Int64(info.st_size)
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(OCIError) -> Int {
        do {
            return try readSome(fd, into: buffer)
        } catch {
            throw .posix("read", path, errno: error.code)
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    private func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(OCIError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// The next `count` bytes; fewer when the file ends first.
    func read(upTo count: Int) throws(OCIError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { buffer.deallocate() }
        let filled = try readFully(into: buffer)
        return Array(buffer[..<filled])
    }

    /// Calls `body` with each chunk of the rest of the file, in order, up to `chunkSize` bytes at a time.
    func forEachChunk(
        chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws(OCIError) -> Void
    ) throws(OCIError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = try read(into: buffer)
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Writes all of `bytes`, looping over short writes.
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws(OCIError) {
        let code = Self.write(bytes, to: fd)
        guard code == 0 else { throw .posix("write", path, errno: code) }
    }

    /// Writes all of `bytes`, looping over short writes.
    func writeAll(_ bytes: [UInt8]) throws(OCIError) {
        let descriptor = fd
        let code = bytes.withUnsafeBytes { Self.write($0, to: descriptor) }
        guard code == 0 else { throw .posix("write", path, errno: code) }
    }

    /// Writes all of `bytes` to `fd`; returns 0, or the `errno` of the failed write.
    private static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int32 {
        do {
            try System.writeAll(fd, bytes)
            return 0
        } catch {
            return error.code
        }
    }

    /// Flushes the file's data and metadata to stable storage.
    func sync() throws(OCIError) {
        guard fsync(fd) == 0 else { throw .posix("fsync", path) }
    }
}
