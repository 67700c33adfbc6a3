public import PPP
public import SSTPWire
public import SSTPSession

/// The server's whole call after the HTTP request (MS-SSTP 3.3): the SSTP
/// session and the built-in PPP authenticator in one value, the mirror of
/// `SSTPClientCall`. The driver picks the peer's address when SSTP asks
/// for PPP (`.progress(.sstpNegotiated)`) and answers with `startPPP`.
public struct SSTPServerCall: Sendable {
    private var core: CallCore<SSTPServerSession, PPPServer>
    private let random: any PPPRandomSource

    public init(session: SSTPServerSession.Configuration, nonce: [UInt8], random: any PPPRandomSource) {
        core = CallCore(
            session: SSTPServerSession(configuration: session, nonce: nonce), engine: nil, externalPPP: false)
        self.random = random
    }

    public var end: CallEnd? { core.end }
    public var session: SSTPServerSession { core.session }
    public var ipv4Open: Bool { core.ipv4Open }
    public var ipv6Open: Bool { core.ipv6Open }
    /// The crypto binding in the client's CALL_CONNECTED checked out (3.3.5.2.3).
    public var cryptoBindingVerified: Bool { core.session.cryptoBindingVerified }

    /// The 200 was sent: wait for CALL_CONNECT_REQUEST.
    public mutating func start(now: Duration) -> [CallAction] {
        core.start(now: now)
    }

    /// CALL_CONNECT_ACK went out: start the authenticator (RFC 1661 4.3 Up).
    public mutating func startPPP(_ configuration: PPPServerConfiguration, now: Duration) -> [CallAction] {
        guard core.end == nil, core.engine == nil else { return [] }
        var engine = PPPServer(configuration: configuration, random: random)
        let actions = engine.handle(.lowerUp, now: now)
        core.engine = engine
        return core.pppActions(actions, now: now)
    }

    public mutating func receive(
        _ bytes: UnsafeRawBufferPointer, now: Duration, data: (CallData) -> Void
    ) -> [CallAction] {
        core.receive(bytes, now: now, data)
    }

    /// The EAP authentication server answered the last `.eapToBackend`.
    public mutating func eapBackend(_ answer: EAPBackendAnswer, now: Duration) -> [CallAction] {
        core.engineEvent(.eapBackend(answer), now: now)
    }

    public func outboundProtocol(ipVersion: UInt8) -> UInt16? {
        core.outboundProtocol(ipVersion: ipVersion)
    }

    public mutating func timerExpired(_ timer: CallTimer, now: Duration) -> [CallAction] {
        core.timerExpired(timer, now: now)
    }

    /// Abort for a reason of the server's (3.1.5.1): a full address pool,
    /// or a fault knob of the test server.
    public mutating func abort(_ why: String, status: SSTPStatus = .invalidFrameReceived, now: Duration)
        -> [CallAction]
    {
        core.sessionActions(core.session.abort(why, status: status, now: now), now: now)
    }

    public mutating func disconnect(now: Duration) -> [CallAction] {
        guard core.end == nil else { return [] }
        core.requested = true
        return core.sessionActions(core.session.disconnect(now: now), now: now)
    }

    public mutating func transportClosed(_ detail: String, now: Duration) -> [CallAction] {
        core.transportClosed(detail, now: now)
    }
}
