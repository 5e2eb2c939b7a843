import Glibc
import System

/// An errno value, printed as its name and meaning: "EPERM (operation not permitted)".
/// ``SandboxError``'s cases carry the operation and path themselves; this is only their
/// errno, worded as the sandbox's messages word it (System's ``SystemError`` names it).
public struct SystemErrno: Error, Equatable, Sendable, CustomStringConvertible {
    /// The raw errno value.
    public let code: Int32

    /// Wraps an errno value.
    public init(_ code: Int32) {
        self.code = code
    }

    /// The current thread's errno.
    static var current: SystemErrno { SystemErrno(errno) }

    /// The symbolic name, such as "ENOENT" (or "errno N" for a value without one).
    public var name: String {
        SystemError.name(of: code)
    }

    /// The meaning in lower case, as shells print it: "no such file or directory".
    public var meaning: String {
        let text = SystemError(operation: "", code: code).message
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    public var description: String { "\(name) (\(meaning))" }
}
