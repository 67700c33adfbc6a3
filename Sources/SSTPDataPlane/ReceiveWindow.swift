/// How many bytes the peer may have in flight towards this end of the
/// tunnel's TCP connection: the rate data arrives at times the path's
/// minimum round trip plus `margin` (CoDel's target), or twice the minimum
/// round trip on a long path (so that a window that limits the rate still
/// doubles per round trip, as in slow start), between `minimum` and
/// `maximum` (applied as TCP_WINDOW_CLAMP on the receiving socket). Without it the
/// sending side's cwnd, grown on a fast period, keeps far more than the
/// path's BDP in flight once the path is slow, and that surplus waits in a
/// FIFO on the path (a shaped link's queue) in front of every packet of
/// every flow, where no AQM sees it; with it the surplus waits in the
/// sender's FlowQueueCoDel (bench/README.md, "Latency under load").
///
/// Only the end that receives more than it sends clamps: the other one's
/// arrivals are the acknowledgements of the inner flows (a few per cent
/// of the bulk rate), and a window cut to their rate stalled them behind
/// the peer's write (bench/README.md); there `bytes` is `maximum`.
///
/// The rate is the largest of the last `history` samples (each over at
/// least `sampleNanoseconds`), so that a short lull does not shrink the
/// window; a gap of `history` sample periods forgets the older rates.
/// Pure: the byte counter, the round trip and the time come from the
/// caller (TCP_INFO and the monotonic clock).
public struct ReceiveWindow: Sendable, Equatable {
    public static let sampleNanoseconds: Int64 = 10_000_000
    public static let history = 8
    /// Room beyond the minimum round trip: the queue the path may hold
    /// (FlowQueueCoDel's target; 2 ms let a loaded machine's scheduling
    /// gaps empty a 100 Mbit/s link, bench/README.md).
    public static let marginNanoseconds: UInt64 = 5_000_000
    /// One TLS record: the window the path gets back from a lull.
    public static let minimum = 16384
    public static let maximum = 8 << 20
    /// A wanted window above this (a rate above about 400 Mbit/s) is not
    /// applied: there the CPU, not a path's FIFO, is the bottleneck, and a
    /// clamp only made the sender block more often (on the veth the
    /// client's CPU per GB rose by a fifth and the loaded round trip with
    /// it, bench/README.md).
    public static let unclampedAbove = 262_144

    /// What to set TCP_WINDOW_CLAMP to: `bytes`, or `maximum` (in effect no
    /// clamp) when that is above `unclampedAbove`.
    public var applied: Int { bytes > Self.unclampedAbove ? Self.maximum : bytes }

    /// The window wanted; `maximum` until the first sample.
    public private(set) var bytes = ReceiveWindow.maximum
    private var margin: UInt64
    private var periodStart: Int64 = -1
    private var periodBytes: UInt64 = 0
    private var periodSent: UInt64 = 0
    private var rates: [UInt64]
    private var sentRates: [UInt64]
    private var next = 0

    public init(marginNanoseconds: UInt64 = ReceiveWindow.marginNanoseconds) {
        margin = marginNanoseconds
        rates = Array(repeating: 0, count: Self.history)
        sentRates = Array(repeating: 0, count: Self.history)
    }

    /// Whether `update` would take a sample at `now` (the caller reads
    /// TCP_INFO only then).
    public func due(now: Int64) -> Bool {
        periodStart < 0 || now &- periodStart >= Self.sampleNanoseconds
    }

    /// Takes a sample: `received` is the socket's total bytes received
    /// (tcpi_bytes_received), `sent` its bytes sent and acknowledged
    /// (tcpi_bytes_acked), `minRTTMicroseconds` its minimum round trip
    /// (tcpi_min_rtt, 0: unknown). Returns the new window when it changed
    /// by more than an eighth (nil: keep the one applied).
    public mutating func update(now: Int64, received: UInt64, sent: UInt64 = 0, minRTTMicroseconds: UInt32) -> Int? {
        guard periodStart >= 0, now > periodStart else {
            periodStart = now
            periodBytes = received
            periodSent = sent
            return nil
        }
        let elapsed = now &- periodStart
        guard elapsed >= Self.sampleNanoseconds else { return nil }
        let delta = received >= periodBytes ? received - periodBytes : 0
        let sentDelta = sent >= periodSent ? sent - periodSent : 0
        periodStart = now
        periodBytes = received
        periodSent = sent
        let rate = Self.rate(bytes: delta, nanoseconds: UInt64(elapsed))
        let sentRate = Self.rate(bytes: sentDelta, nanoseconds: UInt64(elapsed))
        if elapsed >= Self.sampleNanoseconds &* Int64(Self.history) {
            for i in rates.indices {
                rates[i] = rate
                sentRates[i] = sentRate
            }
        } else {
            rates[next] = rate
            sentRates[next] = sentRate
        }
        next = (next + 1) % Self.history
        let minRTT = UInt64(minRTTMicroseconds) &* 1000
        let received = rates.max() ?? rate
        let wanted =
            (sentRates.max() ?? sentRate) > received
            ? Self.maximum : Self.window(rate: received, roundTripNanoseconds: max(minRTT &* 2, minRTT &+ margin))
        let change = wanted > bytes ? wanted - bytes : bytes - wanted
        guard change > bytes / 8 else { return nil }
        bytes = wanted
        return wanted
    }

    /// Bytes per second for `bytes` over `nanoseconds` (saturating).
    static func rate(bytes: UInt64, nanoseconds: UInt64) -> UInt64 {
        guard nanoseconds > 0 else { return 0 }
        let (product, overflow) = bytes.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? UInt64.max / 2 : product / nanoseconds
    }

    /// `rate` x `roundTripNanoseconds`, between `minimum` and `maximum`.
    public static func window(rate: UInt64, roundTripNanoseconds: UInt64) -> Int {
        let (product, overflow) = rate.multipliedReportingOverflow(by: roundTripNanoseconds)
        let bytes = overflow ? UInt64(maximum) : product / 1_000_000_000
        return Int(min(max(bytes, UInt64(minimum)), UInt64(maximum)))
    }
}
