/// One file of a selected source, with what lies below it when it is a directory: the
/// tree a copy writes and a digest hashes, exclusions already applied.
struct SourceNode: Sendable {
    /// The name it is written under (for a selected source, the name the user wrote).
    var name: String
    /// Its real path relative to the source tree's root, without any symlink in it.
    var path: String
    /// Its status (a followed one for a selected source given through a symlink).
    var status: FileStatus
    /// A symlink's target, as stored.
    var linkTarget: [UInt8]?
    /// A directory's entries that are kept, sorted by name.
    var children: [SourceNode]

    /// Calls `body` with this node and everything below it, parents before children.
    func visit<Failure: Error>(_ body: (SourceNode) throws(Failure) -> Void) throws(Failure) {
        try body(self)
        for child in children {
            try child.visit(body)
        }
    }
}
