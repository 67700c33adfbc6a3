/// The link phases of RFC 1661 §3.2.
public enum PPPPhase: Int, Hashable, Sendable, CustomStringConvertible {
    /// §3.3: no lower layer yet, or the link is over.
    case dead
    /// §3.4: LCP negotiates the link.
    case establish
    /// §3.5: the authenticator checks the peer.
    case authenticate
    /// §3.6: the NCPs (IPCP, IPv6CP) configure the network layers.
    case network
    /// §3.7: LCP Terminate packets close the link.
    case terminate

    public var description: String {
        switch self {
        case .dead: "Dead"
        case .establish: "Establish"
        case .authenticate: "Authenticate"
        case .network: "Network"
        case .terminate: "Terminate"
        }
    }
}
