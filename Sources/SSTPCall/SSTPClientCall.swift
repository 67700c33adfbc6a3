public import PPP
public import SSTPSession

/// The client's whole call after the HTTP exchange (MS-SSTP 3.2): the SSTP
/// session and the PPP link in one value. Pure: bytes from the transport,
/// timer expiries and requests in, with the current time; actions out, to
/// be carried out in order. IP packets that arrive go to the closure given
/// to `receive`, without copying; outbound packets ask `outboundProtocol`.
public struct SSTPClientCall: Sendable {
    /// Who runs PPP.
    public enum PPPBackend: Sendable {
        /// The built-in engine, with this configuration.
        case builtIn(PPPClientConfiguration)
        /// An external backend (pppd with our plugin) that the driver runs:
        /// the call hands it every PPP frame (`CallData.externalPPP`) and
        /// takes its frames, authentication result and end as inputs.
        case external
    }

    public struct Configuration: Sendable {
        public var session: SSTPClientSession.Configuration
        public var backend: PPPBackend
        /// How long a requested disconnect waits for PPP to end its link
        /// before it ends the SSTP call anyway.
        public var disconnectGrace: Duration

        public init(session: SSTPClientSession.Configuration, backend: PPPBackend) {
            self.session = session
            self.backend = backend
            // pppd ends its link itself on SIGTERM and needs a little longer.
            if case .external = backend { disconnectGrace = .seconds(5) } else { disconnectGrace = .seconds(3) }
        }
    }

    private var core: CallCore<SSTPClientSession, PPPClient>
    private let disconnectGrace: Duration
    private var started = false

    public init(configuration: Configuration, random: any PPPRandomSource = SystemPPPRandom()) {
        let session = SSTPClientSession(configuration: configuration.session)
        switch configuration.backend {
        case .builtIn(let ppp):
            core = CallCore(
                session: session, engine: PPPClient(configuration: ppp, random: random), externalPPP: false)
        case .external:
            core = CallCore(session: session, engine: nil, externalPPP: true)
        }
        disconnectGrace = configuration.disconnectGrace
    }

    /// Set once the call is over; later inputs do nothing.
    public var end: CallEnd? { core.end }
    public var session: SSTPClientSession { core.session }
    /// The built-in engine's phase; nil with an external backend.
    public var pppPhase: PPPPhase? { core.engine?.phase }
    public var ipv4Open: Bool { core.ipv4Open }
    public var ipv6Open: Bool { core.ipv6Open }

    /// The server's HTTP 200 arrived (3.2.4.1): send CALL_CONNECT_REQUEST.
    public mutating func start(now: Duration) -> [CallAction] {
        started = true
        return core.start(now: now)
    }

    /// Bytes from the transport, any split. Received IPv4/IPv6 packets (or,
    /// with an external backend, PPP frames) go to `data` as they are found.
    public mutating func receive(
        _ bytes: UnsafeRawBufferPointer, now: Duration, data: (CallData) -> Void
    ) -> [CallAction] {
        core.receive(bytes, now: now, data)
    }

    /// See `CallCore.outboundProtocol`: nil means drop the packet.
    public func outboundProtocol(ipVersion: UInt8) -> UInt16? {
        core.outboundProtocol(ipVersion: ipVersion)
    }

    public mutating func timerExpired(_ timer: CallTimer, now: Duration) -> [CallAction] {
        core.timerExpired(timer, now: now)
    }

    /// The user asks to end the call (3.2.4.2): PPP ends its link first
    /// (LCP Terminate, RFC 1661 3.7), then SSTP disconnects; after
    /// `disconnectGrace` SSTP disconnects anyway.
    public mutating func disconnect(now: Duration) -> [CallAction] {
        guard core.end == nil else { return [] }
        core.requested = true
        guard started else { return core.sessionActions(core.session.disconnect(now: now), now: now) }
        var actions: [CallAction] = []
        if core.externalPPP, core.externalRunning {
            actions.append(.stopExternalPPP)
            actions.append(.setTimer(.disconnectGrace, deadline: now + disconnectGrace))
        } else if var ppp = core.engine, !ppp.isFinished, ppp.phase != .dead {
            let pppActions = ppp.handle(.close("user request"), now: now)
            core.engine = ppp
            actions = core.pppActions(pppActions, now: now)
            if core.end == nil { actions.append(.setTimer(.disconnectGrace, deadline: now + disconnectGrace)) }
        } else {
            actions = core.sessionActions(core.session.disconnect(now: now), now: now)
        }
        return actions
    }

    /// TLS or TCP ended under the call (3.1.7.2).
    public mutating func transportClosed(_ detail: String, now: Duration) -> [CallAction] {
        core.transportClosed(detail, now: now)
    }

    // MARK: The external PPP backend's side

    /// A PPP frame from the external backend: sent, unless it is a data
    /// frame before Call Connected (3.2.5.2).
    public mutating func externalPPPFrame(_ frame: [UInt8], now: Duration) -> [CallAction] {
        guard core.externalPPP, core.end == nil, frame.count >= 4 else { return [] }
        let isData = frame[2] & 0x80 == 0
        if isData, !core.session.dataFramesAllowed { return [] }
        return core.pppActions([.send(frame)], now: now)
    }

    /// The external backend authenticated: send Call Connected with this
    /// result's key (3.2.5.2).
    public mutating func externalPPPAuthenticated(_ result: PPPAuthenticationResult, now: Duration) -> [CallAction] {
        guard core.externalPPP else { return [] }
        return core.pppActions([.authenticated(result)], now: now)
    }

    /// The external backend's network came up on its own interface.
    public mutating func externalPPPNetworkUp(ipv4: Bool) {
        core.externalNetwork(ipv4: ipv4, open: true)
    }

    /// The external backend ended, with the failure its exit status means.
    public mutating func externalPPPFinished(_ failure: PPPFailure?, now: Duration) -> [CallAction] {
        core.externalFinished(failure, now: now)
    }
}
