/// A resource limit of a step, as `docker build --ulimit NAME=SOFT[:HARD]` gives it.
public struct ResourceLimit: Sendable, Hashable {
    /// The `RLIMIT_*` value.
    public var resource: Int32
    /// The soft and hard limits; `UInt64.max` is unlimited (`RLIM_INFINITY`).
    public var soft: UInt64
    public var hard: UInt64
    /// The name docker uses (`nofile`), for cache keys and messages.
    public var name: String

    /// docker's names for the limits and Linux's `RLIMIT_*` numbers (the same on every
    /// architecture; Glibc's Swift module leaves several of the macros out).
    public static let resources: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7,
        "memlock": 8, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15
    ]

    /// Parses `NAME=SOFT[:HARD]` (a missing hard limit is the soft one; `-1` or
    /// `unlimited` is no limit); nil with a reason when it is not one.
    public init(parsing text: String) throws(ResourceLimitError) {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let resource = Self.resources[String(parts[0])] else {
            throw ResourceLimitError(
                text: text,
                reason: "expected NAME=SOFT[:HARD] with NAME one of "
                    + Self.resources.keys.sorted().joined(separator: ", "))
        }
        let values = parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard values.count <= 2, let soft = Self.value(values[0]), let hard = values.count == 2 ? Self.value(values[1]) : soft else {
            throw ResourceLimitError(text: text, reason: "a limit is a number, -1 or unlimited")
        }
        guard soft <= hard else {
            throw ResourceLimitError(text: text, reason: "the soft limit \(soft) is above the hard limit \(hard)")
        }
        self.resource = resource
        self.soft = soft
        self.hard = hard
        self.name = String(parts[0])
    }

    private static func value(_ text: String) -> UInt64? {
        if text == "-1" || text == "unlimited" { return UInt64.max }
        return UInt64(text)
    }
}

/// Why an `--ulimit` value is not one.
public struct ResourceLimitError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "--ulimit \(text): \(reason)" }
}
