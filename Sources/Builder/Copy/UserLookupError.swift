/// A `--chown` (or `USER`) value that cannot be resolved in an image's user database.
public struct UserLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why it cannot be resolved.
    public enum Reason: Sendable, Equatable {
        /// The name is not in the file.
        case unknownName
        /// The file does not exist in the image (names need it; numeric ids do not).
        case missingFile
        /// The value is empty or has an empty part.
        case malformed
    }

    /// The value as given.
    public var value: String
    /// The database file, `/etc/passwd` or `/etc/group`, as seen inside the image.
    public var file: String
    /// Why it cannot be resolved.
    public var reason: Reason

    /// An error about `value`, looked up in `file`.
    public init(value: String, file: String, reason: Reason) {
        self.value = value
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unknownName: "unable to find \"\(value)\" in \(file)"
        case .missingFile: "unable to resolve \"\(value)\": \(file) does not exist in the image"
        case .malformed: "invalid user \"\(value)\": expected user, user:group, uid or uid:gid"
        }
    }
}
