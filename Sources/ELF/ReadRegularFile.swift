import FileNames
import System

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole regular file, by host path, of at most `sizeLimit` bytes into memory. Anything else (a
/// directory, a FIFO that could block, a device) is refused, so reading never hangs.
/// A failure is a finding that names `path`.
func readRegularFile(_ path: String, sizeLimit: Int) throws(ELFFinding) -> [UInt8] {
    do {
        return try readBytes(path, sizeLimit: sizeLimit)
    } catch {
        throw ELFFinding(path: path, problem: error)
    }
}

private func readBytes(_ path: String, sizeLimit: Int) throws(ELFProblem) -> [UInt8] {
    let file = try openRegularFile(path)
    return try readAll(file.rawValue, sizeLimit: sizeLimit)
}

/// Reads the whole open file `descriptor`, which must be a regular file of at most
/// `sizeLimit` bytes.
func readAll(_ descriptor: Int32, sizeLimit: Int) throws(ELFProblem) -> [UInt8] {
    let size = Int(try regularFileSize(descriptor, sizeLimit: sizeLimit))
    var failure: Int32 = 0
    // Filled by read(2) directly, without zeroing first: the array holds what was read.
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        var filled = 0
        while filled < size {
            let count = retryingOnInterrupt { read(descriptor, buffer.baseAddress! + filled, size - filled) }
            if count < 0 { failure = errno }
            if count <= 0 { break }
            filled += count
        }
        initialized = filled
    }
    guard failure == 0 else { throw .unreadable(errno: failure) }
    // A file that shrank while being read is parsed as what was actually read.
    return bytes
}

/// Opens the file at host path `path` for reading in parts (``FilePages`` checks that it
/// is a regular file, as ``readRegularFile(_:sizeLimit:)`` does).
func openRegularFile(_ path: String) throws(ELFProblem) -> FileDescriptor {
    let file = FileDescriptor(adopting: FileName.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK))
    guard file.rawValue >= 0 else { throw .unreadable(errno: errno) }
    return file
}

/// The size of the open file `descriptor`, which must be a regular file of at most `sizeLimit` bytes.
func regularFileSize(_ descriptor: Int32, sizeLimit: Int) throws(ELFProblem) -> UInt64 {
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw .unreadable(errno: errno) }
    guard status.st_mode & S_IFMT == S_IFREG else {
        throw .invalid(what: "file", detail: "not a regular file")
    }
    let size = Int(status.st_size)
    guard size <= sizeLimit else { throw .tooLarge(size: UInt64(size), limit: UInt64(sizeLimit)) }
    return UInt64(size)
}
