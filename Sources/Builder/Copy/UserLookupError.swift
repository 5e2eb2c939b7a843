/// A `USER` or `--chown` value that cannot be resolved in an image's user database.
///
/// The texts are runc's (moby/sys/user), which BuildKit passes on unchanged, so that an
/// error reads the same under swiftbuild.
public struct UserLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why it cannot be resolved.
    public enum Reason: Sendable, Equatable {
        /// The name is not in the file.
        case unknownName
        /// The file does not exist in the image (names need it; numeric ids do not).
        case missingFile
        /// The value is empty or has an empty part.
        case malformed
        /// A numeric id outside 0...2^31-1.
        case outOfRange
    }

    /// The value (or the part of it) that failed.
    public var value: String
    /// The database file, `/etc/passwd` or `/etc/group`, as seen inside the image; nil
    /// when the value was refused before any file was read (a numeric id out of range).
    public var file: String?
    /// Why it cannot be resolved.
    public var reason: Reason

    /// An error about `value`, looked up in `file` (nil: refused before any lookup).
    public init(value: String, file: String?, reason: Reason) {
        self.value = value
        self.file = file
        self.reason = reason
    }

    public var description: String {
        let isGroup = file == "/etc/group"
        let lookup = "unable to find \(isGroup ? "group" : "user") \(value): no matching entries in \(isGroup ? "group" : "passwd") file"
        switch reason {
        case .unknownName: return lookup
        case .missingFile: return lookup + " (the image has no \(file ?? "database file"))"
        case .malformed: return "invalid user \"\(value)\": expected user, user:group, uid or uid:gid"
        case .outOfRange: return "uids and gids must be in range 0-\(UserDatabase.maximumID)"
        }
    }
}
