/// The PPP server (authenticator) of the bundled test server: asks for
/// authentication in the configured order, checks the users map, assigns
/// the configured addresses. Same shape as `PPPClient`.
public struct PPPServer: Sendable {
    private var engine: PPPEngine

    public init(
        configuration: PPPServerConfiguration, random: any PPPRandomSource = SystemPPPRandom()
    ) {
        engine = PPPEngine(role: .server(configuration), random: random)
    }

    public mutating func handle(_ event: PPPEvent, now: Duration) -> [PPPAction] {
        engine.handle(event, now: now)
    }

    public var phase: PPPPhase { engine.phase }
    public var lcpState: PPPAutomatonState { engine.lcp.state }
    public var ipcpState: PPPAutomatonState { engine.ipcp.state }
    public var ipv6cpState: PPPAutomatonState? { engine.ipv6cp?.state }
    public var isFinished: Bool { engine.finished }
}
