/// One source of a `COPY` or `ADD`.
public enum CopySource: Sendable, Hashable {
    /// A path or wildcard pattern in the source tree, already variable-expanded. It is
    /// resolved inside the tree: absolute paths start at its root and `..` stops there.
    case path(String)
    /// A file whose content is given in memory, as a heredoc (`COPY <<EOF /dest`) is;
    /// `name` is the file's name when the destination is a directory.
    case inline(name: String, content: [UInt8], permissions: UInt32 = 0o644)
    /// What an `ADD` fetched (a download or a git checkout), at `path` in the tree of
    /// fetched sources, written under `name` when the destination is a directory: never
    /// matched as a pattern, never extracted, owned by 0:0 (or `--chown`).
    case fetched(path: String, name: String)
}
