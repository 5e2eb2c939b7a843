import CArchive
import Glibc
import OCI
import System

/// Hands a libarchive reader its input, one chunk at a time, through the read callback.
protocol ArchiveInputSource: AnyObject {
    /// Fills `buffer` from its start and returns how many bytes it wrote; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int
}

/// The client data behind libarchive's read callback: a source and the fixed buffer its
/// chunks land in. The reader that opened the archive keeps it alive until it frees the
/// archive.
final class ArchiveInput {
    /// Where the bytes come from.
    let source: any ArchiveInputSource
    /// What the source threw; libarchive only learns that the read failed.
    private(set) var failure: ArchiveError?
    private let buffer: UnsafeMutableRawBufferPointer

    /// An input reading `source` in chunks of up to 128 KiB.
    init(_ source: any ArchiveInputSource) {
        self.source = source
        self.buffer = .allocate(byteCount: 128 * 1024, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// Opens `archive` on this input; libarchive's status code.
    func open(_ archive: OpaquePointer) -> Int32 {
        archive_read_open(archive, Unmanaged.passUnretained(self).toOpaque(), nil, archiveInputRead, nil)
    }

    fileprivate func next(_ chunk: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        do {
            let count = try source.read(into: buffer)
            chunk?.pointee = UnsafeRawPointer(buffer.baseAddress)
            return count
        } catch {
            failure = error
            return Int(ARCHIVE_FATAL)
        }
    }
}

private func archiveInputRead(
    _ archive: OpaquePointer?,
    _ clientData: UnsafeMutableRawPointer?,
    _ chunk: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    Unmanaged<ArchiveInput>.fromOpaque(clientData!).takeUnretainedValue().next(chunk)
}

/// A file descriptor read to its end, with the sha256 and count of the bytes read.
final class DigestingFileInput: ArchiveInputSource {
    private let descriptor: Int32
    private let name: String
    /// The bytes read so far.
    private(set) var digester = SHA256Digester()

    /// Reads `descriptor` (not closed here); `name` is the archive's name in errors.
    init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        do {
            let count = try readSome(descriptor, into: buffer)
            digester.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            return count
        } catch {
            throw ArchiveError(.readData, archive: name, message: error.description)
        }
    }
}
