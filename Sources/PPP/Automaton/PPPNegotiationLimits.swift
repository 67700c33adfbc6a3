/// The Restart timer and counters of RFC 1661 §4.6, shared by LCP, IPCP and
/// IPv6CP (and used for authentication retransmissions).
public struct PPPNegotiationLimits: Hashable, Sendable {
    /// §4.6 Restart timer: time between retransmissions; default 3 s.
    public var restartInterval: Duration
    /// §4.6 Max-Configure: Configure-Requests sent without a valid reply
    /// before the peer counts as not answering; default 10.
    public var maxConfigure: Int
    /// §4.6 Max-Terminate: Terminate-Requests sent without a Terminate-Ack;
    /// default 2.
    public var maxTerminate: Int
    /// §4.6 Max-Failure: Configure-Naks sent without an Ack before further
    /// Naks become Rejects; default 5. It also bounds the Naks we accept
    /// from the peer in a row (like pppd's maxnakloops).
    public var maxFailure: Int

    public init(
        restartInterval: Duration = .seconds(3), maxConfigure: Int = 10, maxTerminate: Int = 2,
        maxFailure: Int = 5
    ) {
        self.restartInterval = restartInterval
        self.maxConfigure = max(maxConfigure, 1)
        self.maxTerminate = max(maxTerminate, 1)
        self.maxFailure = max(maxFailure, 1)
    }

    public static let `default` = PPPNegotiationLimits()
}

/// LCP Echo keepalive, like pppd's lcp-echo-interval and lcp-echo-failure.
public struct PPPKeepalive: Hashable, Sendable {
    /// Time between Echo-Requests; zero turns the keepalive off.
    public var interval: Duration
    /// Echo-Requests without any Echo-Reply before the peer counts as dead;
    /// zero sends echoes but never gives up.
    public var failureLimit: Int

    public init(interval: Duration = .zero, failureLimit: Int = 0) {
        self.interval = interval
        self.failureLimit = max(failureLimit, 0)
    }

    public static let off = PPPKeepalive()
}
