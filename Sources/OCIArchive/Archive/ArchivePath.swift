import Glibc
import System

/// A path as an archive stores it: raw bytes, since tar names need not be UTF-8.
///
/// Entry names and link targets keep their exact bytes from a tar to the disk and back;
/// ``description`` decodes them (replacing invalid UTF-8) for messages only.
public struct ArchivePath: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The path's bytes, without a terminating NUL.
    public var bytes: [UInt8]

    /// A path from its bytes.
    public init(bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// A path from a string's UTF-8 encoding.
    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    /// A path from a string literal's UTF-8 encoding.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// A copy of the NUL-terminated C string at `cString`.
    init(cString: UnsafePointer<CChar>) {
        let length = strlen(cString)
        self.bytes = cString.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The path with `name` appended after a `/` (just `name` when this path is empty).
    public func appending(_ name: [UInt8]) -> ArchivePath {
        bytes.isEmpty ? ArchivePath(bytes: name) : ArchivePath(bytes: bytes + [UInt8(ascii: "/")] + name)
    }

    /// Calls `body` with a NUL-terminated copy of the path.
    func withCString<Result, Failure: Error>(
        _ body: (UnsafePointer<CChar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withNulTerminated(bytes, body)
    }

    /// The path decoded as UTF-8, invalid bytes replaced: for messages, never for file names.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Byte-wise order, the order `tar --sort=name` and Go's `sort.Strings` use.
    public static func < (lhs: ArchivePath, rhs: ArchivePath) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
