import Glibc

/// A system call that failed, with the `errno` it set.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call, or what it was doing (`"openat"`, `"mknodat"`, `"setxattr trusted.overlay.opaque"`).
    public var operation: String
    /// The `errno` value.
    public var code: Int32

    /// A failure of `operation` with `code`.
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// A failure of `operation` with the current `errno`; call it right after the failing call.
    static func last(_ operation: String) -> SystemError {
        SystemError(operation: operation, code: errno)
    }

    public var description: String {
        "\(operation): \(String(cString: strerror(code)))"
    }
}
