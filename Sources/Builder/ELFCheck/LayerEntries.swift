import ELF
import FileNames
import Glibc
import System

/// Lists every entry of a layer snapshot's `fs/` directory (overlayfs form), for
/// ``ELFCheckRecord/reusableFiles(changedEntries:)``: its path, and for a directory whether
/// it only merges with the one below. Walked through directory descriptors, no symlink
/// followed.
enum LayerEntries {
    /// The overlayfs attributes that make a directory hide or replace the one below
    /// (`opaque`; `redirect`, a renamed directory), set by the kernel or, rootless, in
    /// the `user.` namespace.
    static let replacingAttributes = [
        "trusted.overlay.opaque", "user.overlay.opaque", "trusted.overlay.redirect", "user.overlay.redirect"
    ]

    /// The entries below `directory`, or nil when part of it cannot be read (then nothing
    /// can be concluded about what the layer changes).
    static func list(_ directory: String) -> [LayerEntry]? {
        let root = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return nil }
        var entries: [LayerEntry] = []
        guard collect(in: root, at: "", into: &entries) else { return nil }
        return entries
    }

    /// Adds the entries below the open directory `directory` (which this closes), found at
    /// `path`; false when something could not be read.
    private static func collect(in directory: Int32, at path: String, into entries: inout [LayerEntry]) -> Bool {
        let owned = FileDescriptor(adopting: directory)
        guard let listed = try? DirectoryListing.entries(owned.rawValue) else { return false }
        for entry in listed {
            let name = FileName.decode(entry.name)
            let child = path + "/" + name
            var type = Int(entry.type)
            if type == DT_UNKNOWN {
                var status = stat()
                guard FileName.fstatat(owned.rawValue, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
                type = status.st_mode & S_IFMT == S_IFDIR ? DT_DIR : DT_REG
            }
            guard type == DT_DIR else {
                entries.append(LayerEntry(path: child, kind: .other))
                continue
            }
            let opened = FileName.openat(owned.rawValue, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard opened >= 0 else { return false }
            // An attribute that cannot be read counts as there: the directory may replace.
            let replacing = replacingAttributes.contains { ExtendedAttribute.exists($0, on: opened) ?? true }
            entries.append(LayerEntry(path: child, kind: replacing ? .replacingDirectory : .plainDirectory))
            guard collect(in: opened, at: child, into: &entries) else { return false }
        }
        return true
    }
}
