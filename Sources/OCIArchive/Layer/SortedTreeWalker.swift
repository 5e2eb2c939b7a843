import Glibc
import System

/// Walks a directory tree through descriptors, depth first, never following a symlink:
/// each directory's overlay whiteouts first, then its other children, each group in byte
/// order of the names. That is the order a reproducible layer lists its entries in: as
/// `tar --sort=name`, with whiteouts before their siblings.
struct SortedTreeWalker {
    /// One file met on the walk.
    struct Node {
        /// The path below the root.
        let path: ArchivePath
        /// The path of the directory holding the file (empty for the root).
        let parentPath: ArchivePath
        /// The descriptor of the directory holding the file.
        let parent: Int32
        /// The file's name in `parent`.
        let name: [UInt8]
        /// The file's `lstat`.
        let status: stat
        /// For a directory, its descriptor (open for reading); nil for every other file.
        let directory: Int32?
    }

    /// The tree's root directory, owned by the caller.
    let root: Int32

    /// Calls `visit` for every file below the root, a directory before its children.
    func walk(_ visit: (Node) throws(LayerPackingError) -> Void) throws(LayerPackingError) {
        try walkChildren(of: root, at: ArchivePath(bytes: []), visit)
    }

    private func walkChildren(
        of directory: Int32,
        at path: ArchivePath,
        _ visit: (Node) throws(LayerPackingError) -> Void
    ) throws(LayerPackingError) {
        let names: [[UInt8]]
        do {
            names = try DirectoryListing.entryNames(directory).sorted { $0.lexicographicallyPrecedes($1) }
        } catch {
            throw .filesystem(path: path.description, error)
        }
        var children: [(name: [UInt8], status: stat)] = []
        for name in names {
            var status = stat()
            let found = withNulTerminated(name) { fstatat(directory, $0, &status, AT_SYMLINK_NOFOLLOW) }
            guard found == 0 else { throw .filesystem(path: path.appending(name).description, .last("stat")) }
            children.append((name, status))
        }
        // Whiteouts come before their siblings, so a reader applies them before adding anything.
        let ordered = children.filter { Whiteout.isOverlayWhiteout($0.status) } + children.filter { !Whiteout.isOverlayWhiteout($0.status) }
        for (name, status) in ordered {
            let childPath = path.appending(name)
            guard status.st_mode & S_IFMT == S_IFDIR else {
                try visit(Node(path: childPath, parentPath: path, parent: directory, name: name, status: status, directory: nil))
                continue
            }
            let childFile = FileDescriptor(
                adopting: withNulTerminated(name) { openat(directory, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) })
            let child = childFile.rawValue
            guard child >= 0 else { throw .filesystem(path: childPath.description, .last("open directory")) }
            try visit(Node(path: childPath, parentPath: path, parent: directory, name: name, status: status, directory: child))
            try walkChildren(of: child, at: childPath, visit)
        }
    }
}
