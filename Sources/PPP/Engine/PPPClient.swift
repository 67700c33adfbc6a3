/// The PPP client (authenticatee) of the product: negotiates LCP, answers
/// the server's PAP/CHAP/MS-CHAPv2/EAP authentication, then brings up IPCP
/// and optionally IPv6CP. A pure state machine: feed it events with the
/// current time, carry out the actions it returns, in order.
public struct PPPClient: Sendable {
    private var engine: PPPEngine

    public init(
        configuration: PPPClientConfiguration, random: any PPPRandomSource = SystemPPPRandom()
    ) {
        engine = PPPEngine(role: .client(configuration), random: random)
    }

    public mutating func handle(_ event: PPPEvent, now: Duration) -> [PPPAction] {
        engine.handle(event, now: now)
    }

    /// The RFC 1661 §3.2 phase.
    public var phase: PPPPhase { engine.phase }
    /// The state of LCP's automaton (RFC 1661 §4.2).
    public var lcpState: PPPAutomatonState { engine.lcp.state }
    public var ipcpState: PPPAutomatonState { engine.ipcp.state }
    /// `nil` when IPv6 is not requested.
    public var ipv6cpState: PPPAutomatonState? { engine.ipv6cp?.state }
    /// True once `.linkDown` was returned; later events do nothing.
    public var isFinished: Bool { engine.finished }
}
