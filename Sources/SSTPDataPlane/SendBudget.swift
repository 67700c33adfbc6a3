/// How many bytes may wait unsent in the tunnel's TCP socket: about
/// `window` of the rate the path delivers, between `minimum` and `maximum`.
/// That queue is a FIFO in front of every packet of every flow, which no
/// AQM sees, so it is kept to a couple of milliseconds (bench/README.md,
/// "Latency under upload"). Pure: the rates come from the socket
/// (TCP_INFO), the decisions go back to the writer.
public struct SendBudget: Sendable, Equatable {
    /// How much sending time may wait in the socket.
    public static let windowNanoseconds: UInt64 = 2_000_000
    public static let minimum = 4096
    public static let maximum = 131072
    /// Before the socket knows a rate.
    public static let initial = 16384

    public private(set) var bytes = SendBudget.initial
    /// The rate `bytes` follows, bytes per second (0: not known yet).
    public private(set) var rate: UInt64 = 0

    public init() {}

    /// Follows the socket's rates in bytes per second (0: not known yet).
    /// The delivery rate wins: the pacing rate follows cwnd, which stays
    /// large after a faster period while the path is slow now.
    public mutating func update(deliveryRate: UInt64, pacingRate: UInt64) {
        let rate = deliveryRate > 0 ? deliveryRate : pacingRate
        guard rate > 0 else { return }
        self.rate = rate
        let (product, overflow) = rate.multipliedReportingOverflow(by: Self.windowNanoseconds)
        let wanted = overflow ? UInt64(Self.maximum) : min(product / 1_000_000_000, UInt64(Self.maximum))
        bytes = max(Self.minimum, Int(wanted))
    }

    /// The bytes the next write may take with `unsent` bytes waiting; 0
    /// (wait) until at least a quarter of the budget is free, so that a
    /// record is not cut to a few bytes.
    public func room(unsent: Int) -> Int {
        let room = bytes - unsent
        return room >= bytes / 4 ? room : 0
    }
}
