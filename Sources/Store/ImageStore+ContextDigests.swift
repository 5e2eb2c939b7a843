import Foundation

extension ImageStore {
    /// The name, in `cache/`, of the context digest memo: the one file there that is not a
    /// cache record.
    static let contextDigestsName = "context-digests.json"

    /// Where builds remember the sha256 of their context files by identity (path, size,
    /// times, inode), so that the next build of the same context does not read unchanged
    /// files again: `cache/context-digests.json`. Its format is the builder's, and it is
    /// only a shortcut (a file that cannot be read is ignored). It holds no content, so
    /// `prune` leaves it, with or without `--build-cache`.
    public var contextDigestsFile: URL { cacheDirectory.appendingPathComponent(Self.contextDigestsName) }

    /// Replaces ``contextDigestsFile`` with the file `write` creates at the path it is
    /// given: a new name in `tmp/`, on the store's file system, renamed over the memo once
    /// `write` returns (so a reader sees the old memo or the new one, whole). When `write`
    /// throws, the file is removed and the memo is left as it was; a process killed
    /// meanwhile leaves it in `tmp/`, which ``reclaimDebris()`` and ``prune(buildCache:)``
    /// empty.
    public func replaceContextDigests(_ write: (String) throws -> Void) throws {
        try replaceFile(contextDigestsFile, staging: "context-digests", operation: "replace the context digest memo", write)
    }

    /// Replaces `target` with the file `write` creates at the path it is given: a new name
    /// in `tmp/` (starting with `staging`), on the store's file system, renamed over
    /// `target` once `write` returns, so a reader sees the old file or the new one, whole.
    /// When `write` throws, the staged file is removed and `target` is left as it was.
    func replaceFile(_ target: URL, staging: String, operation: String, _ write: (String) throws -> Void) throws {
        let staged = temporaryDirectory.appendingPathComponent("\(staging)-\(UUID().uuidString.prefix(8)).json").path
        do {
            try write(staged)
            guard rename(staged, target.path) == 0 else {
                throw StoreError.io(path: target.path, operation: operation, errno: errno)
            }
        } catch {
            unlink(staged)
            throw error
        }
    }
}
