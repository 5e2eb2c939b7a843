import ELF
import FileNames
import Glibc
import System

/// Lists every entry of a layer snapshot's `fs/` directory (overlayfs form), for
/// ``ELFCheckRecord/reusableFiles(changedEntries:)``: its path, and for a directory whether
/// it only merges with the one below (``LayerTree`` walks it).
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
        var entries: [LayerEntry] = []
        let complete = LayerTree.walk(directory) { entry in
            guard let opened = entry.directory else {
                entries.append(LayerEntry(path: entry.path, kind: .other))
                return
            }
            // Attributes that cannot be listed count as there: the directory may replace.
            let names = try? ExtendedAttributes(descriptor: opened, isPathOnly: false).names()
            let replacing = names.map { !Set($0).isDisjoint(with: replacingAttributes) } ?? true
            entries.append(LayerEntry(path: entry.path, kind: replacing ? .replacingDirectory : .plainDirectory))
        }
        return complete ? entries : nil
    }
}
