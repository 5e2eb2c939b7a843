import Glibc

/// A file timestamp with nanoseconds, as tar PAX headers and `stat` carry it.
public struct FileTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var seconds: Int
    /// Nanoseconds within the second, 0 ..< 1_000_000_000.
    public var nanoseconds: Int

    /// A timestamp from seconds and nanoseconds since the epoch.
    public init(seconds: Int, nanoseconds: Int = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// A timestamp from a `timespec` (as in `stat.st_mtim`).
    init(_ value: timespec) {
        self.init(seconds: value.tv_sec, nanoseconds: value.tv_nsec)
    }

    /// The `timespec` for `utimensat` and `futimens`.
    var timespec: Glibc.timespec {
        Glibc.timespec(tv_sec: seconds, tv_nsec: nanoseconds)
    }

    public static func < (lhs: FileTime, rhs: FileTime) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    public var description: String {
        nanoseconds == 0 ? "\(seconds)" : "\(seconds).\(String(nanoseconds + 1_000_000_000).dropFirst())"
    }
}
