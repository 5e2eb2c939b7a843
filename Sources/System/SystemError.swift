import CSystemShim
import Glibc

/// A system call that failed: what it was doing, on which path (when one is known), and
/// the `errno` it set. The one error type of the project's system calls; modules wrap it
/// in their own errors (keeping it) to say which instruction or file it was about.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call, or what it was doing (`"openat"`, `"mknodat"`, `"setxattr trusted.overlay.opaque"`).
    public var operation: String
    /// The path the call was about, as users see it; nil when the operation says it.
    public var path: String?
    /// The `errno` value.
    public var code: Int32

    /// A failure of `operation` (on `path`) with `code`.
    public init(operation: String, path: String? = nil, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// A failure of `operation` (on `path`) with the current `errno`; call it right after
    /// the failing call.
    public static func last(_ operation: String, path: String? = nil) -> SystemError {
        SystemError(operation: operation, path: path, code: errno)
    }

    /// This failure without its path, for errors that print the path themselves.
    public var withoutPath: SystemError {
        SystemError(operation: operation, code: code)
    }

    /// The symbolic name, such as "ENOENT" (or "errno N" for a value without one).
    public var name: String {
        SystemError.name(of: code)
    }

    /// The message of `strerror`, as the C library words it: "No such file or directory".
    public var message: String {
        String(cString: strerror(code))
    }

    /// The message in lower case, as shells print it: "no such file or directory".
    public var meaning: String {
        let text = message
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// The errno alone, named and explained: "EPERM (operation not permitted)", for
    /// messages that word the operation and path themselves (the sandbox's).
    public var errnoDescription: String {
        "\(name) (\(meaning))"
    }

    /// "`path`: `operation`: `message`", or without the path when there is none.
    public var description: String {
        (path.map { "\($0): " } ?? "") + "\(operation): \(message)"
    }

    /// The symbolic name of the errno value `code` ("errno N" for a value without one).
    public static func name(of code: Int32) -> String {
        guard let name = csystem_errno_name(code) else { return "errno \(code)" }
        return String(cString: name)
    }
}
