/// Docker's health check settings from `HEALTHCHECK` (the `Healthcheck` object of an image
/// configuration). Durations are nanoseconds; zero or unset means "inherit".
public struct Healthcheck: Sendable, Hashable, Codable {
    /// The check: `[]` inherits, `["NONE"]` disables, `["CMD", arg...]` runs a command,
    /// `["CMD-SHELL", command]` runs it with the image's shell.
    public var test: [String]?
    /// Time between checks, in nanoseconds.
    public var interval: Int64?
    /// Time after which a check counts as failed, in nanoseconds.
    public var timeout: Int64?
    /// Grace period after start during which failures do not count, in nanoseconds.
    public var startPeriod: Int64?
    /// Time between checks during the start period, in nanoseconds.
    public var startInterval: Int64?
    /// Consecutive failures before the container is unhealthy.
    public var retries: Int?

    /// Health check settings from their parts.
    public init(
        test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil,
        startInterval: Int64? = nil, retries: Int? = nil
    ) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.startInterval = startInterval
        self.retries = retries
    }

    enum CodingKeys: String, CodingKey {
        case test = "Test"
        case interval = "Interval"
        case timeout = "Timeout"
        case startPeriod = "StartPeriod"
        case startInterval = "StartInterval"
        case retries = "Retries"
    }
}
