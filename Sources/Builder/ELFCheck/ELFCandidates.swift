import FileNames
import Glibc
import System

/// Finds the files of a layer snapshot that the ELF check looks at: the regular files
/// that start with the ELF magic or with `#!`. The tree is walked through directory descriptors with
/// the types `readdir` reports (a `stat` only where the file system gives none), and
/// no symlink is followed.
enum ELFCandidates {
    /// Paths (with a leading `/`) of the regular files below `directory` that start with
    /// `\x7FELF` or `#!`; unreadable parts of the tree are left out.
    static func paths(under directory: String) -> [String] {
        list(under: directory).paths
    }

    /// The candidates below `directory`, and whether the whole tree could be read (a list
    /// with a part left out is not kept for later builds).
    static func list(under directory: String) -> (paths: [String], complete: Bool) {
        let root = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return ([], false) }
        var found: [String] = []
        let complete = collect(in: root, at: "", into: &found)
        return (found, complete)
    }

    /// Whether the file `name` in the open directory `directory` (a final symlink is not
    /// followed) starts with `\x7FELF` or `#!`.
    static func startsAsProgram(_ name: String, in directory: Int32) -> Bool {
        let descriptorFile = FileDescriptor(adopting: FileName.openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else { return false }
        var magic: UInt32 = 0
        let count = read(descriptor, &magic, 4)
        return (count == 4 && UInt32(littleEndian: magic) == 0x464C_457F)
            || (count >= 2 && UInt16(truncatingIfNeeded: UInt32(littleEndian: magic)) == 0x2123)
    }

    /// Adds the candidates below the open directory `directory` (which this closes),
    /// found at `path`; false when part of it could not be read.
    private static func collect(in directory: Int32, at path: String, into found: inout [String]) -> Bool {
        let owned = FileDescriptor(adopting: directory)
        let descriptor = owned.rawValue
        guard let entries = try? DirectoryListing.entries(descriptor) else { return false }
        var complete = true
        for entry in entries {
            let name = FileName.decode(entry.name)
            var type = Int(entry.type)
            if type == DT_UNKNOWN {
                var status = stat()
                guard FileName.fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                    complete = false
                    continue
                }
                type = status.st_mode & S_IFMT == S_IFDIR ? DT_DIR : status.st_mode & S_IFMT == S_IFREG ? DT_REG : DT_UNKNOWN
            }
            if type == DT_DIR {
                let child = FileName.openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child >= 0 {
                    complete = collect(in: child, at: path + "/" + name, into: &found) && complete
                } else {
                    complete = false
                }
            } else if type == DT_REG, startsAsProgram(name, in: descriptor) {
                found.append(path + "/" + name)
            }
        }
        return complete
    }
}
