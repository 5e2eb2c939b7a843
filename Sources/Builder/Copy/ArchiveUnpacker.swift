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
    /// the target root is `destination`.
    ///
    /// Entries resolve with the destination as their root, as Docker's chrooted extraction
    /// does: a symlink the archive makes (`esc -> /`) leads back into the destination, so
    /// no entry can land elsewhere in the image.
    func extract(_ descriptor: Int32, name: String, into destination: [String]) throws(CopyError.Problem) {
        let directoryFile = try FileDescriptor(adopting: writer.makeDirectories(destination))
        let directory = directoryFile.rawValue
        let destinationRoot = try RootDirectory.opening(directory: directory, displayedAs: "/" + destination.joined(separator: "/"))
        let scoped = ArchiveUnpacker(
            writer: TargetWriter(root: destinationRoot, source: nil, owner: owner, preservesOwnership: false, modeChange: nil),
            owner: owner)
        try scoped.extractHere(descriptor, name: name, displayedAs: destination)
    }

    /// Extracts into this writer's root; `destination` only names paths in messages.
    private func extractHere(_ descriptor: Int32, name: String, displayedAs destination: [String]) throws(CopyError.Problem) {
        let reader: TarReader
        do {
            reader = try TarReader(fileDescriptor: descriptor, name: name)
        } catch {
            throw .archive(error)
        }
        var directoryTimes: [(path: [String], time: FileTime)] = []
        let budget = try? DiskBudget(directory: writer.root.descriptor, path: "/" + destination.joined(separator: "/"))
        while true {
            let entry: TarEntry?
            do {
                entry = try reader.nextEntry()
            } catch {
                throw .archive(error)
            }
            guard let entry else { break }
            let components = try Self.confined(FileName.decode(entry.path.bytes), archive: name)
            guard let entryName = components.last else { continue }
            let path = "/" + (destination + components).joined(separator: "/")
            let parentFile = try FileDescriptor(adopting: writer.makeDirectories(Array(components.dropLast())))
            let parent = parentFile.rawValue
            if case .directory = entry.kind {
                directoryTimes.append((components, entry.modificationTime))
            }
            try write(
                entry, named: entryName, in: parent, path: path, reader: reader, archive: name, destination: destination,
                budget: budget)
        }
        // Directory times last: writing entries inside them changed them.
        for (path, time) in directoryTimes.reversed() {
            let directory = try writer.makeDirectories(path)
            var times = [
                timespec(tv_sec: time.seconds, tv_nsec: time.nanoseconds), timespec(tv_sec: time.seconds, tv_nsec: time.nanoseconds)
            ]
            let result = futimens(directory, &times)
            close(directory)
            guard result == 0 else { throw .system(path: "/" + (destination + path).joined(separator: "/"), .last("utimensat")) }
        }
    }

    private func write(
        _ entry: TarEntry,
        named name: String,
        in parent: Int32,
        path: String,
        reader: TarReader,
        archive: String,
        destination: [String],
        budget: DiskBudget?
    ) throws(CopyError.Problem) {
        let owner = owner ?? FileOwner(uid: entry.uid, gid: entry.gid)
        switch entry.kind {
        case .directory:
            let directoryFile = try FileDescriptor(adopting: writer.openOrMakeDirectory(name, in: parent, path: path, replacing: true))
            let directory = directoryFile.rawValue
            guard fchown(directory, owner.uid, owner.gid) == 0, fchmod(directory, mode_t(entry.permissions)) == 0 else {
                throw .system(path: path, .last("chown/chmod"))
            }
        case .file:
            try writer.removeNonDirectory(name, in: parent, path: path)
            let outputFile = try FileDescriptor(adopting: writer.createFile(name, in: parent, path: path))
            let output = outputFile.rawValue
            try Self.copyData(from: reader, to: output, path: path, budget: budget)
            guard fchown(output, owner.uid, owner.gid) == 0, fchmod(output, mode_t(entry.permissions)) == 0 else {
                throw .system(path: path, .last("chown/chmod"))
            }
        case .symlink(let target):
            let text = FileName.decode(target.bytes)
            if !text.hasPrefix("/") {
                let linkDirectory = Array(try Self.confined(FileName.decode(entry.path.bytes), archive: archive).dropLast())
                guard Self.staysInside(linkDirectory.joined(separator: "/") + "/" + text) else {
                    throw .unsafeArchiveEntry(
                        archive: archive, entry: entry.path.description,
                        reason: "is a symlink to \"\(FileName.display(text))\", outside the destination")
                }
            }
            try writer.removeNonDirectory(name, in: parent, path: path)
            guard FileName.symlinkat(target.bytes, parent, name) == 0 else { throw .system(path: path, .last("symlink")) }
        case .hardlink(let target):
            let targetComponents = try Self.confined(FileName.decode(target.bytes), archive: archive)
            try writer.removeNonDirectory(name, in: parent, path: path)
            let targetParentFile = try FileDescriptor(adopting: writer.makeDirectories(Array(targetComponents.dropLast())))
            let targetParent = targetParentFile.rawValue
            guard let targetName = targetComponents.last, FileName.linkat(targetParent, targetName, parent, name, 0) == 0 else {
                throw .system(path: path, .last("link"))
            }
            return
        case .characterDevice(let device), .blockDevice(let device):
            try writer.removeNonDirectory(name, in: parent, path: path)
            let type: UInt32 = if case .characterDevice = entry.kind { S_IFCHR } else { S_IFBLK }
            guard FileName.mknodat(parent, name, type | entry.permissions, Self.deviceNumber(device)) == 0 else {
                throw .system(path: path, .last("mknod"))
            }
        case .fifo:
            try writer.removeNonDirectory(name, in: parent, path: path)
            guard FileName.mknodat(parent, name, S_IFIFO | entry.permissions, 0) == 0 else { throw .system(path: path, .last("mknod")) }
        }
        if case .directory = entry.kind { return }
        // A file was chowned, then chmodded, through its descriptor above: chowning it again
        // here would clear its setuid and setgid bits. For the rest, chmod comes after chown
        // for the same reason (a symlink has no mode of its own).
        if case .file = entry.kind {
        } else {
            guard FileName.fchownat(parent, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw .system(path: path, .last("chown"))
            }
            if case .symlink = entry.kind {
            } else {
                guard FileName.fchmodat(parent, name, mode_t(entry.permissions), 0) == 0 else { throw .system(path: path, .last("chmod")) }
            }
        }
        let time = timespec(tv_sec: entry.modificationTime.seconds, tv_nsec: entry.modificationTime.nanoseconds)
        guard FileName.utimensat(parent, name, [time, time], AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .system(path: path, .last("utimensat"))
        }
    }

    /// glibc's `makedev`, a macro Swift does not import.
    private static func deviceNumber(_ device: DeviceNumber) -> dev_t {
        let major = UInt64(device.major)
        let minor = UInt64(device.minor)
        return dev_t((major & 0xFFFF_F000) << 32 | (major & 0xFFF) << 8 | (minor & 0xFFFF_FF00) << 12 | (minor & 0xFF))
    }

    /// The cleaned components of an entry name, relative to the destination; refused
    /// when it climbs above it (Docker's "breakout" check).
    static func confined(_ name: String, archive: String) throws(CopyError.Problem) -> [String] {
        guard staysInside(name) else {
            throw .unsafeArchiveEntry(archive: archive, entry: name, reason: "would be written outside the destination")
        }
        return RootedPath.components(name)
    }

    /// Whether the relative path `name` (a leading `/` ignored) never climbs above its start.
    private static func staysInside(_ name: String) -> Bool {
        var depth = 0
        for component in name.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                depth -= 1
                if depth < 0 { return false }
            default: depth += 1
            }
        }
        return true
    }

    private static func copyData(from reader: TarReader, to output: Int32, path: String, budget: DiskBudget?) throws(CopyError.Problem) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        do {
            try reader.copyData(to: output, using: buffer, budget: budget)
        } catch {
            switch error {
            case .read(let failure): throw .archive(failure)
            case .write(let failure): throw .system(path: path, failure)
            }
        }
    }
}
