/// The timers of MS-SSTP §3.1.2, §3.2.2 and §3.3.2.
public enum SSTPTimer: Hashable, Sendable, CustomStringConvertible {
    /// Negotiation timer: waits for CALL_CONNECT_ACK, then for the end of PPP
    /// authentication (client); for CONNECT_REQUEST, then CALL_CONNECTED (server).
    case negotiation
    /// Hello timer: restarted by every received packet; on expiry an
    /// ECHO_REQUEST, and a second silent interval drops the connection.
    case hello
    /// Abort timer 1 (3 s) or 2 (1 s), per the state.
    case abort
    /// Disconnect timer 1 (5 s) or 2 (1 s), per the state.
    case disconnect

    public var description: String {
        switch self {
        case .negotiation: "negotiation"
        case .hello: "hello"
        case .abort: "abort"
        case .disconnect: "disconnect"
        }
    }
}

/// Timer values. Defaults are the spec's.
public struct SSTPTimerValues: Hashable, Sendable {
    /// §3.2.2.1 / §3.3.2.1: 60 s SHOULD.
    public var negotiation: Duration = .seconds(60)
    /// §3.1.2: 60 s SHOULD.
    public var hello: Duration = .seconds(60)
    /// §3.1.2: abort timer 1 is 3 s, timer 2 is 1 s.
    public var abort1: Duration = .seconds(3)
    public var abort2: Duration = .seconds(1)
    /// §3.1.2: disconnect timer 1 is 5 s, timer 2 is 1 s.
    public var disconnect1: Duration = .seconds(5)
    public var disconnect2: Duration = .seconds(1)

    public init() {}
}
