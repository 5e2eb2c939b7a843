/// One entry of a tar archive: its name, type, ownership, permissions, time and extended
/// attributes. Regular files' data travels separately (see ``TarReader/readData(into:)``
/// and ``TarWriter/write(_:dataFrom:)``).
public struct TarEntry: Sendable, Hashable {
    /// The type of an entry, with what only that type carries.
    public enum Kind: Sendable, Hashable {
        /// A regular file; its data is ``TarEntry/size`` bytes.
        case file
        /// A directory.
        case directory
        /// A symbolic link to `target` (any path: it is data, never followed).
        case symlink(target: ArchivePath)
        /// A hard link to the earlier entry named `target`.
        case hardlink(target: ArchivePath)
        /// A character device.
        case characterDevice(DeviceNumber)
        /// A block device.
        case blockDevice(DeviceNumber)
        /// A named pipe.
        case fifo
    }

    /// The entry's name inside the archive.
    public var path: ArchivePath
    /// The entry's type.
    public var kind: Kind
    /// The permission bits of the mode, including setuid, setgid and sticky (`0o7777`).
    public var permissions: UInt32
    /// The owner's numeric user id.
    public var uid: UInt32
    /// The owner's numeric group id.
    public var gid: UInt32
    /// The modification time.
    public var modificationTime: FileTime
    /// The data size in bytes: a regular file's length, 0 for every other kind.
    public var size: Int64
    /// Extended attributes by name (`user.*`, `trusted.*`, `security.capability`, ...).
    public var extendedAttributes: [String: [UInt8]]

    /// An entry; `size` only matters for regular files.
    public init(
        path: ArchivePath,
        kind: Kind,
        permissions: UInt32,
        uid: UInt32 = 0,
        gid: UInt32 = 0,
        modificationTime: FileTime = FileTime(seconds: 0),
        size: Int64 = 0,
        extendedAttributes: [String: [UInt8]] = [:]
    ) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
        self.size = size
        self.extendedAttributes = extendedAttributes
    }
}
