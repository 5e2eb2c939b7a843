import CArchive
import Glibc

/// Why libarchive's header could not become a ``TarEntry``; the reader adds the archive.
struct EntryConversionFailure: Error {
    let message: String
}

extension TarEntry {
    /// The entry libarchive just read into `entry`.
    init(reading entry: OpaquePointer) throws(EntryConversionFailure) {
        guard let name = archive_entry_pathname(entry) else {
            throw EntryConversionFailure(message: "entry without a name")
        }
        let path = ArchivePath(cString: name)
        func failure(_ problem: String) -> EntryConversionFailure {
            EntryConversionFailure(message: "entry '\(path)': \(problem)")
        }
        guard let uid = UInt32(exactly: archive_entry_uid(entry)), let gid = UInt32(exactly: archive_entry_gid(entry)) else {
            throw failure("owner \(archive_entry_uid(entry)):\(archive_entry_gid(entry)) out of range")
        }
        let kind = try Self.kind(of: entry, failure: failure)
        var attributes: [String: [UInt8]] = [:]
        archive_entry_xattr_reset(entry)
        var attributeName: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var valueSize = 0
        while archive_entry_xattr_next(entry, &attributeName, &value, &valueSize) == ARCHIVE_OK, let attributeName {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: valueSize)) } ?? []
            attributes[String(cString: attributeName)] = bytes
        }
        self.init(
            path: path,
            kind: kind,
            permissions: UInt32(archive_entry_perm(entry)) & 0o7777,
            uid: uid,
            gid: gid,
            modificationTime: FileTime(seconds: archive_entry_mtime(entry), nanoseconds: archive_entry_mtime_nsec(entry)),
            size: kind == .file ? max(0, archive_entry_size(entry)) : 0,
            extendedAttributes: attributes
        )
    }

    private static func kind(
        of entry: OpaquePointer,
        failure: (String) -> EntryConversionFailure
    ) throws(EntryConversionFailure) -> Kind {
        if let target = archive_entry_hardlink(entry) {
            return .hardlink(target: ArchivePath(cString: target))
        }
        let device = DeviceNumber(
            major: UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry)),
            minor: UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry))
        )
        switch archive_entry_filetype(entry) {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK:
            guard let target = archive_entry_symlink(entry) else { throw failure("symlink without a target") }
            return .symlink(target: ArchivePath(cString: target))
        case S_IFCHR: return .characterDevice(device)
        case S_IFBLK: return .blockDevice(device)
        case S_IFIFO: return .fifo
        case let type: throw failure("unsupported file type 0o\(String(type, radix: 8))")
        }
    }

    /// Calls `body` with a libarchive entry holding this entry's header, freed afterwards.
    func withArchiveEntry<Result>(_ body: (OpaquePointer) -> Result) -> Result {
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        path.withCString { archive_entry_copy_pathname(entry, $0) }
        archive_entry_set_size(entry, 0)
        switch kind {
        case .file:
            archive_entry_set_filetype(entry, Glibc.S_IFREG)
            archive_entry_set_size(entry, size)
        case .directory:
            archive_entry_set_filetype(entry, Glibc.S_IFDIR)
        case .symlink(let target):
            archive_entry_set_filetype(entry, Glibc.S_IFLNK)
            target.withCString { archive_entry_copy_symlink(entry, $0) }
        case .hardlink(let target):
            archive_entry_set_filetype(entry, Glibc.S_IFREG)
            target.withCString { archive_entry_copy_hardlink(entry, $0) }
        case .characterDevice(let device), .blockDevice(let device):
            archive_entry_set_filetype(entry, kind == .characterDevice(device) ? Glibc.S_IFCHR : Glibc.S_IFBLK)
            archive_entry_set_rdevmajor(entry, dev_t(device.major))
            archive_entry_set_rdevminor(entry, dev_t(device.minor))
        case .fifo:
            archive_entry_set_filetype(entry, Glibc.S_IFIFO)
        }
        archive_entry_set_perm(entry, permissions & 0o7777)
        archive_entry_set_uid(entry, Int64(uid))
        archive_entry_set_gid(entry, Int64(gid))
        archive_entry_set_mtime(entry, modificationTime.seconds, modificationTime.nanoseconds)
        for (name, value) in extendedAttributes.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, name, $0.baseAddress, $0.count) }
        }
        return body(entry)
    }
}
