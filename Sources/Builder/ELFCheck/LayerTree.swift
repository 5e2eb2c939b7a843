import FileNames
import Glibc
import System

/// Walks a layer snapshot's `fs/` tree through directory descriptors, with the types
/// `readdir` reports (a `stat` only where the file system gives none), no symlink followed:
/// the one walk behind ``ELFCandidates`` and ``LayerEntries``.
enum LayerTree {
    /// One entry met, valid during the call that gets it.
    struct Entry {
        /// With a leading `/`: `/usr/bin/gcc`.
        var path: String
        var name: String
        /// The directory holding it, open.
        var parent: Int32
        /// For a directory, the directory itself, open (its entries come next).
        var directory: Int32?
        var isRegular: Bool
    }

    /// Calls `visit` for every entry below `directory`, a directory before what it holds;
    /// false when part of the tree could not be read (what could be is still visited).
    static func walk(_ directory: String, _ visit: (Entry) -> Void) -> Bool {
        let root = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return false }
        return walk(in: root, at: "", visit)
    }

    /// Walks the open directory `directory` (which this closes), found at `path`.
    private static func walk(in directory: Int32, at path: String, _ visit: (Entry) -> Void) -> Bool {
        let owned = FileDescriptor(adopting: directory)
        guard let entries = try? DirectoryListing.entries(owned.rawValue) else { return false }
        var complete = true
        for entry in entries {
            let name = FileName.decode(entry.name)
            var type = Int(entry.type)
            if type == DT_UNKNOWN {
                var status = stat()
                guard FileName.fstatat(owned.rawValue, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                    complete = false
                    continue
                }
                type = status.st_mode & S_IFMT == S_IFDIR ? DT_DIR : status.st_mode & S_IFMT == S_IFREG ? DT_REG : DT_UNKNOWN
            }
            let child = path + "/" + name
            guard type == DT_DIR else {
                visit(Entry(path: child, name: name, parent: owned.rawValue, directory: nil, isRegular: type == DT_REG))
                continue
            }
            let opened = FileName.openat(owned.rawValue, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard opened >= 0 else {
                complete = false
                continue
            }
            visit(Entry(path: child, name: name, parent: owned.rawValue, directory: opened, isRegular: false))
            complete = walk(in: opened, at: child, visit) && complete
        }
        return complete
    }
}
