import FileNames
import Glibc
import System

/// Finds the files of a layer snapshot that the ELF check looks at: the regular files
/// that start with the ELF magic or with `#!` (``LayerTree`` walks the tree).
enum ELFCandidates {
    /// The paths (with a leading `/`) of the regular files below `directory` that start with
    /// `\x7FELF` or `#!`, and whether the whole tree could be read (unreadable parts are left
    /// out; such a list is not kept for later builds).
    static func list(under directory: String) -> (paths: [String], complete: Bool) {
        var found: [String] = []
        let complete = LayerTree.walk(directory) { entry in
            if entry.isRegular, startsAsProgram(entry.name, in: entry.parent) { found.append(entry.path) }
        }
        return (found, complete)
    }

    /// Whether the file `name` in the open directory `directory` (a final symlink is not
    /// followed) starts with `\x7FELF` or `#!`.
    private static func startsAsProgram(_ name: String, in directory: Int32) -> Bool {
        let descriptorFile = FileDescriptor(adopting: FileName.openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else { return false }
        var magic: UInt32 = 0
        let count = read(descriptor, &magic, 4)
        return (count == 4 && UInt32(littleEndian: magic) == 0x464C_457F)
            || (count >= 2 && UInt16(truncatingIfNeeded: UInt32(littleEndian: magic)) == 0x2123)
    }
}
