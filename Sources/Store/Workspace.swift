import Foundation

/// A scratch directory under the store's `tmp/` for one operation.
///
/// Everything an operation writes goes here first and is renamed into place only
/// once it is complete; `remove()` (or the next prune after a crash) cleans up.
/// Operations that make workspaces hold the store's content lease, so `prune` never
/// removes a live one.
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
}
