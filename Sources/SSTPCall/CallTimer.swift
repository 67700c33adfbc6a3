public import PPP
public import SSTPSession

/// The timers a call asks its driver to run: SSTP's (MS-SSTP 3.1.2,
/// 3.2.2, 3.3.2), the PPP engine's (RFC 1661 4.6 and the authentication
/// timers), and the call's own grace timer for a requested disconnect.
public enum CallTimer: Hashable, Sendable, CustomStringConvertible {
    case sstp(SSTPTimer)
    case ppp(PPPTimer)
    /// After a requested disconnect, how long PPP may take to end its link
    /// (LCP Terminate, or the external PPP process exiting) before the SSTP
    /// call is disconnected anyway.
    case disconnectGrace
    /// After SSTP closed, how long the external PPP backend may take to
    /// exit (its exit status says why PPP ended) before the call ends.
    case externalExit

    public var description: String {
        switch self {
        case .sstp(let timer): "SSTP \(timer)"
        case .ppp(let timer): "PPP \(timer)"
        case .disconnectGrace: "disconnect grace"
        case .externalExit: "external PPP exit"
        }
    }
}
