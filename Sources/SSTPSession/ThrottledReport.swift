/// Counts an event that can repeat fast (a failed accept, a dropped
/// connection) and says when to report it: the first one at once, then at
/// most once per period, with how many happened since the last report. A
/// flood then costs a few log lines, not one per event.
public struct ThrottledReport: Hashable, Sendable {
    public let period: Duration
    /// Events not reported yet.
    public private(set) var pending = 0
    private var lastReport: Duration?

    public init(period: Duration) {
        self.period = period
    }

    /// Notes one event; returns the count to report now, or nil to stay quiet.
    public mutating func note(now: Duration) -> Int? {
        pending += 1
        return due(now: now)
    }

    /// When the pending events may be reported (nil: nothing pending).
    public var nextReport: Duration? {
        guard pending > 0 else { return nil }
        return lastReport.map { $0 + period } ?? .zero
    }

    /// The pending count, if the period since the last report has passed.
    public mutating func due(now: Duration) -> Int? {
        guard pending > 0 else { return nil }
        if let lastReport, now - lastReport < period { return nil }
        let count = pending
        pending = 0
        lastReport = now
        return count
    }
}
