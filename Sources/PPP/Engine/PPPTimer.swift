/// The timers an engine asks the I/O layer to run. Each is a deadline on the
/// caller's clock (`Duration` since any fixed epoch); when it passes, the
/// caller sends `.timerExpired` with the timer. A new `.setTimer` for the same
/// timer replaces the old deadline.
public enum PPPTimer: Hashable, Sendable, CustomStringConvertible {
    /// The Restart timer of LCP's automaton (RFC 1661 §4.6).
    case lcpRestart
    /// The Restart timer of IPCP's automaton.
    case ipcpRestart
    /// The Restart timer of IPv6CP's automaton.
    case ipv6cpRestart
    /// Retransmission of PAP Authenticate-Requests (RFC 1334 §2.1), CHAP
    /// Challenges (RFC 1994 §4.1) and EAP Requests (RFC 3748 §4.3).
    case authenticationRetransmit
    /// The overall limit on the Authenticate phase.
    case authenticationTimeout
    /// The LCP Echo-Request keepalive interval.
    case lcpEcho

    public var description: String {
        switch self {
        case .lcpRestart: "LCP restart"
        case .ipcpRestart: "IPCP restart"
        case .ipv6cpRestart: "IPv6CP restart"
        case .authenticationRetransmit: "authentication retransmit"
        case .authenticationTimeout: "authentication timeout"
        case .lcpEcho: "LCP echo"
        }
    }
}
