import FileNames
import Glibc
import OCI
import OCIArchive
import System

/// `ADD`'s extraction of a local tar archive (plain, gzip, bzip2, xz or zstd, recognised
/// by content, never by name) into a destination directory of the target root.
///
/// As in Docker: entry names are cleaned and taken relative to the destination (a
/// leading `/` included); a name, hard link or relative symlink target that would leave
/// the destination is refused; an existing file is replaced, an existing directory
/// merged. Entries keep the archive's owner, mode and time, unless `--chown`. Parent
/// directories resolve inside the target root, so no entry lands outside it.
struct ArchiveUnpacker {
    let writer: TargetWriter
    let owner: FileOwner?

    /// Whether the open file `descriptor` is a tar archive, compressed or not; its offset
    /// is left at 0.
    static func isArchive(_ descriptor: Int32, name: String) -> Bool {
        var header = [UInt8](repeating: 0, count: 512)
        let count = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        let magics: [[UInt8]] = [[0x1F, 0x8B], [0x42, 0x5A, 0x68], [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x28, 0xB5, 0x2F, 0xFD]]
        let compressed = magics.contains { header.starts(with: $0) }
        let plainTar = count >= 262 && Array(header[257..<262]) == Array("ustar".utf8)
        guard compressed || plainTar else { return false }
        defer { lseek(descriptor, 0, SEEK_SET) }
        // Compressed data that is not a tar (a plain `.gz` file) is copied, not extracted.
        guard let reader = try? TarReader(fileDescriptor: descriptor, name: name) else { return false }
        return (try? reader.nextEntry()) != nil
    }

    /// Extracts the archive open as `descriptor` into the directory whose real path from
    /// the target root is `destination`, with OCIArchive's one extractor under the `ADD`
    /// policy (``ExtractionPolicy/add(owner:)``).
    ///
    /// Entries resolve with the destination as their root, as Docker's chrooted extraction
    /// does: a symlink the archive makes (`esc -> /`) leads back into the destination, so
    /// no entry can land elsewhere in the image.
    func extract(_ descriptor: Int32, name: String, into destination: [String]) throws(CopyError.Problem) {
        let directoryFile = try FileDescriptor(adopting: writer.makeDirectories(destination))
        let destinationPath = "/" + destination.joined(separator: "/")
        let destinationRoot = try RootDirectory.opening(directory: directoryFile.rawValue, displayedAs: destinationPath)
        let reader: TarReader
        do {
            reader = try TarReader(fileDescriptor: descriptor, name: name)
        } catch {
            throw .archive(error)
        }
        let policy = ExtractionPolicy.add(owner: owner.map { ExtractionOwner(uid: $0.uid, gid: $0.gid) })
        let extractor = TarExtractor(
            root: destinationRoot, descriptor: directoryFile.rawValue, policy: policy, budgetPath: destinationPath)
        do {
            try extractor.extract(from: reader)
        } catch {
            throw Self.problem(error, archive: name, destination: destination)
        }
    }

    /// The extractor's `failure` in the words of a copy: paths of entries from the image
    /// root, paths met while resolving a directory from the destination (as the
    /// destination's own root displays them).
    private static func problem(_ failure: ExtractionFailure, archive: String, destination: [String]) -> CopyError.Problem {
        func shown(_ path: [[UInt8]], resolving: Bool) -> String {
            let components = path.map { FileName.decode($0) }
            return resolving
                ? "/" + FileName.display(components.joined(separator: "/"))
                : "/" + (destination + components).joined(separator: "/")
        }
        switch failure {
        case .unreadable(let error):
            return .archive(error)
        case .unsafe(let entry, let path, let reason):
            switch reason {
            case .symlinkLeavesRoot(let target):
                return .unsafeArchiveEntry(
                    archive: archive, entry: entry.description,
                    reason: "is a symlink to \"\(FileName.display(FileName.decode(target.bytes)))\", outside the destination")
            default:
                return .unsafeArchiveEntry(
                    archive: archive, entry: FileName.decode(path.bytes), reason: "would be written outside the destination")
            }
        case .system(_, let path, let resolving, let error):
            return .system(path: shown(path, resolving: resolving), error)
        case .notADirectory(_, let path, let resolving):
            return .notADirectory(shown(path, resolving: resolving))
        case .cannotReplaceDirectory(_, let path):
            return .cannotReplaceDirectory(shown(path, resolving: false))
        }
    }
}
