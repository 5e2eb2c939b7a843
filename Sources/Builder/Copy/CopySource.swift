/// One source of a `COPY` or `ADD`.
public enum CopySource: Sendable, Hashable {
    /// A path or wildcard pattern in the source tree, already variable-expanded. It is
    /// resolved inside the tree: absolute paths start at its root and `..` stops there.
    case path(String)
    /// A file whose content is given in memory, as a heredoc (`COPY <<EOF /dest`) is;
    /// `name` is the file's name when the destination is a directory.
    case inline(name: String, content: [UInt8], permissions: UInt32 = 0o644)
}
