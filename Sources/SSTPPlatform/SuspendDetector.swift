/// Notices that the machine slept (issue 14): CLOCK_MONOTONIC stops while
/// the system is suspended and CLOCK_BOOTTIME does not (clock_gettime(2)),
/// so between two readings BOOTTIME running ahead of MONOTONIC by more
/// than a bound means a suspend happened in between. After one, the TCP
/// connection to the server has usually been dropped by a NAT or by the
/// server, and a reconnect should start at once. Pure: the readings are
/// given.
public struct SuspendDetector: Hashable, Sendable {
    /// How much more BOOTTIME must advance than MONOTONIC to count as a
    /// sleep (the two drift apart only while suspended; the bound absorbs
    /// the readings not being taken at the same instant).
    public var threshold: Duration
    private var last: Reading?

    public struct Reading: Hashable, Sendable {
        public var boottime: Duration
        public var monotonic: Duration
        public init(boottime: Duration, monotonic: Duration) {
            self.boottime = boottime
            self.monotonic = monotonic
        }
    }

    public init(threshold: Duration = .seconds(2)) {
        self.threshold = threshold
    }

    /// Takes a reading; returns how long the machine slept since the
    /// previous one, when that exceeds the threshold.
    public mutating func observe(_ reading: Reading) -> Duration? {
        defer { last = reading }
        guard let last else { return nil }
        let slept = (reading.boottime - last.boottime) - (reading.monotonic - last.monotonic)
        return slept > threshold ? slept : nil
    }
}
