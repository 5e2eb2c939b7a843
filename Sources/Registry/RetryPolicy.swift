/// When and how long to wait before trying an exchange with a registry again:
/// answers 429 (too many requests) and 5xx, and connections that failed or dropped.
/// The wait doubles from ``initialDelay`` up to ``maxDelay``; a `Retry-After` of a few
/// seconds is honoured.
public struct RetryPolicy: Sendable {
    /// How many times an exchange is tried in all (1 means no retries).
    public var maxAttempts: Int
    /// The wait before the second try.
    public var initialDelay: Duration
    /// The longest wait between tries.
    public var maxDelay: Duration

    /// A policy; the defaults try 5 times, waiting 0.5 s, 1 s, 2 s, 4 s.
    public init(maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// True for statuses worth another try.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 408 || (500...599).contains(status) && status != 501 && status != 505
    }

    /// The wait after failed try number `attempt` (1-based); `retryAfter` is the server's
    /// `Retry-After` in seconds, when it sent one.
    public func delay(afterAttempt attempt: Int, retryAfter: Int? = nil) -> Duration {
        if let retryAfter, retryAfter >= 0 {
            return min(.seconds(retryAfter), maxDelay * 4)
        }
        var delay = initialDelay
        for _ in 1..<max(1, attempt) where delay < maxDelay { delay = delay * 2 }
        return min(delay, maxDelay)
    }
}
