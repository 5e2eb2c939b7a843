import Foundation

/// A scratch directory under the store's `tmp/` for one operation, named after the
/// process that owns it so `prune` can tell abandoned ones from live ones.
///
/// Everything an operation writes goes here first and is renamed into place only
/// once it is complete; `remove()` (or the next prune after a crash) cleans up.
struct Workspace {
    let url: URL

    init(storeTemporaryDirectory: URL) throws {
        url = storeTemporaryDirectory.appendingPathComponent("op-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A fresh path inside the workspace.
    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// The process id encoded in a workspace directory's name, if it is one.
    static func owner(ofDirectoryNamed name: String) -> pid_t? {
        let parts = name.split(separator: "-")
        guard parts.count == 3, parts[0] == "op" else { return nil }
        return pid_t(parts[1])
    }
}
