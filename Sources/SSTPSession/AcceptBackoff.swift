/// What a server does when accept fails for want of resources (EMFILE,
/// ENFILE, ENOBUFS, ENOMEM): the connection stays queued, the listener stays
/// readable, and polling it again at once only fails again, at full CPU.
/// So the listener is paused for an interval that doubles while failures go
/// on (up to `maximum`) and starts at `initial` again after an accept that
/// works; failures are reported once per `reportPeriod`, with a count.
public struct AcceptBackoff: Hashable, Sendable {
    public let initial: Duration
    public let maximum: Duration
    /// The current pause; nil when accepts work.
    public private(set) var interval: Duration?
    /// Failures since the last accept that worked.
    public private(set) var failures = 0
    private var report: ThrottledReport

    public struct Pause: Hashable, Sendable {
        /// When to poll the listener again.
        public var resumeAt: Duration
        public var interval: Duration
        /// Failures to log now (since the last line), or nil to stay quiet.
        public var report: Int?
    }

    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(1), reportPeriod: Duration = .seconds(5)
    ) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        report = ThrottledReport(period: reportPeriod)
    }

    /// An accept failed for want of resources at `now`.
    public mutating func failed(now: Duration) -> Pause {
        let next = interval.map { $0 > maximum / 2 ? maximum : $0 * 2 } ?? initial
        interval = next
        failures += 1
        return Pause(resumeAt: now + next, interval: next, report: report.note(now: now))
    }

    /// An accept worked. Returns how many failed before it, when any did
    /// (for one closing log line), and resets the interval.
    public mutating func succeeded() -> Int? {
        guard interval != nil else { return nil }
        let count = failures
        interval = nil
        failures = 0
        report = ThrottledReport(period: report.period)
        return count
    }
}
