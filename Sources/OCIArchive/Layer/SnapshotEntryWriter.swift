import Glibc
import System

/// Turns the files of a snapshot in overlayfs form into OCI layer entries on a tar writer.
///
/// - A char device 0:0 (an overlay whiteout) becomes an empty regular file `.wh.<name>`,
///   mode 0, with the device's owner and time (as Docker writes it).
/// - A directory with `trusted.overlay.opaque=y` is followed at once by an empty
///   `<dir>/.wh..wh..opq` with the directory's permissions, owner and time, so the marker
///   comes before the directory's other children.
/// - Files seen before under the same (device, inode) become hard links to the first path.
/// - Extended attributes are kept except `trusted.overlay.*`; sockets are skipped.
/// - Modification times are whole seconds (as Docker writes them), clamped to
///   `sourceDateEpoch` when one is given.
final class SnapshotEntryWriter {
    private let writer: TarWriter
    private let sourceDateEpoch: Int?
    private var firstPaths: [FileIdentity: ArchivePath] = [:]

    /// The (device, inode) pair that identifies a file across its hard links.
    private struct FileIdentity: Hashable {
        let device: dev_t
        let inode: ino_t
    }

    /// A writer putting entries on `writer`, with times clamped to `sourceDateEpoch`.
    init(writer: TarWriter, sourceDateEpoch: Int?) {
        self.writer = writer
        self.sourceDateEpoch = sourceDateEpoch
    }

    /// Writes `.wh..wh..opq` first when the root itself is opaque.
    func writeRootMarker(root: Int32) throws(LayerPackingError) {
        var status = stat()
        guard fstat(root, &status) == 0 else { throw .filesystem(path: "", .last("stat")) }
        let attributes = try extendedAttributes(of: ExtendedAttributes(descriptor: root, isPathOnly: false), at: "")
        if attributes.isOpaque {
            try writeOpaqueMarker(in: ArchivePath(bytes: []), status: status)
        }
    }

    /// Writes the entry (or entries) for one file of the walk.
    func write(_ node: SortedTreeWalker.Node) throws(LayerPackingError) {
        let type = node.status.st_mode & S_IFMT
        if type == S_IFSOCK { return }
        if Whiteout.isOverlayWhiteout(node.status) {
            var whiteout = entry(node.status, path: node.parentPath.appending(Whiteout.entryName(hiding: node.name)), kind: .file)
            whiteout.permissions = 0
            return try write(whiteout)
        }
        if let directory = node.directory {
            let attributes = try extendedAttributes(of: ExtendedAttributes(descriptor: directory, isPathOnly: false), at: node.path)
            try write(entry(node.status, path: node.path, kind: .directory, attributes: attributes.kept))
            if attributes.isOpaque {
                try writeOpaqueMarker(in: node.path, status: node.status)
            }
            return
        }
        if node.status.st_nlink > 1 {
            let identity = FileIdentity(device: node.status.st_dev, inode: node.status.st_ino)
            if let first = firstPaths[identity] {
                return try write(entry(node.status, path: node.path, kind: .hardlink(target: first)))
            }
            firstPaths[identity] = node.path
        }
        switch type {
        case S_IFREG:
            try writeFile(node)
        case S_IFLNK:
            let target = try symlinkTarget(node)
            try writeSpecialFile(node, kind: .symlink(target: target))
        case S_IFCHR:
            try writeSpecialFile(node, kind: .characterDevice(DeviceNumber(node.status.st_rdev)))
        case S_IFBLK:
            try writeSpecialFile(node, kind: .blockDevice(DeviceNumber(node.status.st_rdev)))
        default:
            try writeSpecialFile(node, kind: .fifo)
        }
    }

    private func writeFile(_ node: SortedTreeWalker.Node) throws(LayerPackingError) {
        let fileFile = FileDescriptor(adopting: withNulTerminated(node.name) { openat(node.parent, $0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) })
        let file = fileFile.rawValue
        guard file >= 0 else { throw .filesystem(path: node.path.description, .last("open")) }
        // What was opened is what gets archived, even if the name changed since the walk saw it.
        var status = stat()
        guard fstat(file, &status) == 0 else { throw .filesystem(path: node.path.description, .last("stat")) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .filesystem(path: node.path.description, SystemError(operation: "changed while packing", code: EAGAIN))
        }
        let attributes = try extendedAttributes(of: ExtendedAttributes(descriptor: file, isPathOnly: false), at: node.path)
        var archived = entry(status, path: node.path, kind: .file, attributes: attributes.kept)
        archived.size = Int64(status.st_size)
        try write(archived, dataFrom: file)
    }

    private func writeSpecialFile(_ node: SortedTreeWalker.Node, kind: TarEntry.Kind) throws(LayerPackingError) {
        let fileFile = FileDescriptor(adopting: withNulTerminated(node.name) { openPathOnlyNoFollow(node.parent, $0) })
        let file = fileFile.rawValue
        guard file >= 0 else { throw .filesystem(path: node.path.description, .last("open")) }
        let attributes = try extendedAttributes(of: ExtendedAttributes(descriptor: file, isPathOnly: true), at: node.path)
        try write(entry(node.status, path: node.path, kind: kind, attributes: attributes.kept))
    }

    private func symlinkTarget(_ node: SortedTreeWalker.Node) throws(LayerPackingError) -> ArchivePath {
        var capacity = max(Int(node.status.st_size), 0) + 1
        while true {
            var target = [UInt8](repeating: 0, count: capacity)
            let length = withNulTerminated(node.name) { name in
                target.withUnsafeMutableBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { readlinkat(node.parent, name, $0.baseAddress!, capacity) }
                }
            }
            guard length >= 0 else { throw .filesystem(path: node.path.description, .last("readlink")) }
            if length < capacity { return ArchivePath(bytes: target[..<length]) }
            capacity *= 2  // the link was replaced by a longer one since the walk saw it
        }
    }

    private func writeOpaqueMarker(in directory: ArchivePath, status: stat) throws(LayerPackingError) {
        try write(entry(status, path: directory.appending(Whiteout.opaqueMarker), kind: .file))
    }

    private func entry(
        _ status: stat,
        path: ArchivePath,
        kind: TarEntry.Kind,
        attributes: [String: [UInt8]] = [:]
    ) -> TarEntry {
        var seconds = status.st_mtim.tv_sec
        if let sourceDateEpoch {
            seconds = min(seconds, sourceDateEpoch)
        }
        return TarEntry(
            path: path,
            kind: kind,
            permissions: status.st_mode & 0o7777,
            uid: status.st_uid,
            gid: status.st_gid,
            modificationTime: FileTime(seconds: seconds),
            extendedAttributes: attributes
        )
    }

    private func write(_ entry: TarEntry, dataFrom descriptor: Int32? = nil) throws(LayerPackingError) {
        do {
            try writer.write(entry, dataFrom: descriptor)
        } catch {
            throw .archive(error)
        }
    }

    private func extendedAttributes(of file: ExtendedAttributes, at path: ArchivePath) throws(LayerPackingError) -> SnapshotAttributes {
        do {
            return SnapshotAttributes(try file.all())
        } catch {
            throw .filesystem(path: path.description, error)
        }
    }
}

/// A snapshot file's extended attributes, split into overlayfs's own and the rest.
private struct SnapshotAttributes {
    /// The attributes that go into the layer: all but `trusted.overlay.*`.
    let kept: [String: [UInt8]]
    /// Whether overlayfs marks the directory opaque.
    let isOpaque: Bool

    init(_ all: [String: [UInt8]]) {
        kept = all.filter { !$0.key.hasPrefix(Whiteout.overlayAttributePrefix) }
        isOpaque = all[Whiteout.opaqueAttribute] == Whiteout.opaqueValue
    }
}
