import ByteCoding

/// The machinery both roles share: LCP, the authentication session and the
/// NCPs composed through the phases of RFC 1661 §3.2, plus the timer
/// bookkeeping, the keepalive and the single terminal `.linkDown`.
/// `PPPClient` and `PPPServer` are thin wrappers that pick the role.
struct PPPEngine: Sendable {
    enum Role: Sendable {
        case client(PPPClientConfiguration)
        case server(PPPServerConfiguration)
    }

    /// The three automaton-driven layers.
    enum Layer: Sendable {
        case lcp, ipcp, ipv6cp

        var protocolNumber: UInt16 {
            switch self {
            case .lcp: PPPProtocolNumber.lcp
            case .ipcp: PPPProtocolNumber.ipcp
            case .ipv6cp: PPPProtocolNumber.ipv6cp
            }
        }

        var restartTimer: PPPTimer {
            switch self {
            case .lcp: .lcpRestart
            case .ipcp: .ipcpRestart
            case .ipv6cp: .ipv6cpRestart
            }
        }

        var stage: PPPFailure.PPPStage {
            switch self {
            case .lcp: .lcp
            case .ipcp: .ipcp
            case .ipv6cp: .ipv6cp
            }
        }
    }

    let role: Role
    let limits: PPPNegotiationLimits
    let keepalive: PPPKeepalive
    let authenticationTimeout: Duration
    let random: any PPPRandomSource
    let localMRU: Int

    private(set) var phase = PPPPhase.dead
    private(set) var lcp: PPPAutomaton<LCPNegotiation>
    private(set) var ipcp: PPPAutomaton<IPCPNegotiation>
    /// `nil` when IPv6 is off: IPv6CP and IPv6 are then Protocol-Rejected.
    private(set) var ipv6cp: PPPAutomaton<IPv6CPNegotiation>?
    private var authentication: (any AuthenticationSession)?
    private(set) var authenticated = false
    private var lowerIsUp = false
    private(set) var finished = false
    /// The first cause of the end; later ones do not replace it.
    private var failure: PPPFailure?
    /// Set by the peer's Terminate-Request until LCP opens again.
    private var peerTerminateReason: String?
    /// Why each NCP finished, for the reason when none is left.
    private var ncpFailures: [UInt16: PPPFailure] = [:]
    /// Authentication ran with a method, or a network protocol came up:
    /// past that, an end is not for want of a common method.
    private var linkWasUsable = false
    /// The peer Protocol-Rejected IPv6CP: it does not do IPv6.
    private var peerRejectedIPv6 = false
    private(set) var ipv4IsUp = false
    private(set) var ipv6IsUp = false
    /// The Close asked for while handling an event, done at its end, so
    /// that the packets of the current transition go out first.
    private var closeRequested = false
    private var armed: [PPPTimer: Duration] = [:]
    private var echoesPending = 0
    private var echoRejected = false
    /// The actions of the event being handled.
    private var actions: [PPPAction] = []

    init(role: Role, random: any PPPRandomSource) {
        self.role = role
        self.random = random
        let lcpRole: LCPNegotiation.Role
        let ipcpRole: IPCPNegotiation.Role
        let wantIPv6: Bool
        switch role {
        case .client(let configuration):
            limits = configuration.limits
            keepalive = configuration.keepalive
            authenticationTimeout = configuration.authenticationTimeout
            localMRU = configuration.mru
            lcpRole = .authenticatee(accepted: configuration.acceptedMethods)
            ipcpRole = .client(
                requestDNS: configuration.requestDNS, requestNBNS: configuration.requestNBNS)
            wantIPv6 = configuration.requestIPv6
        case .server(let configuration):
            limits = configuration.limits
            keepalive = configuration.keepalive
            authenticationTimeout = configuration.authenticationTimeout
            localMRU = configuration.mru
            lcpRole = .authenticator(offered: configuration.methods)
            ipcpRole = .server(
                local: configuration.localIPv4, assigned: configuration.peerIPv4,
                dns: configuration.dns,
                nbns: configuration.nbns)
            wantIPv6 = configuration.ipv6
        }
        lcp = PPPAutomaton(
            negotiation: LCPNegotiation(
                role: lcpRole, random: random, mru: localMRU, maxFailure: limits.maxFailure),
            limits: limits)
        ipcp = PPPAutomaton(negotiation: IPCPNegotiation(role: ipcpRole), limits: limits)
        ipv6cp =
            wantIPv6
            ? PPPAutomaton(negotiation: IPv6CPNegotiation(random: random), limits: limits) : nil
    }

    /// The MTU for the interface: the peer's MRU, capped by ours.
    var mtu: Int { min(lcp.negotiation.peerMRU, max(localMRU, LCPOption.minimumMRU)) }

    // MARK: Events

    mutating func handle(_ event: PPPEvent, now: Duration) -> [PPPAction] {
        guard !finished else { return [] }
        actions = []
        switch event {
        case .lowerUp:
            guard !lowerIsUp else { break }
            lowerIsUp = true
            // §3.3: Dead → Establish when the lower layer is up; LCP gets
            // Open (Initial → Starting, tls) then Up (Starting → Req-Sent).
            setPhase(.establish)
            apply(lcp.open(now: now), .lcp, now: now)
            apply(lcp.up(now: now), .lcp, now: now)
        case .lowerDown:
            lowerIsUp = false
            record(peerTerminateReason.map { .terminatedByPeer($0) } ?? .lowerLayerDown)
            apply(lcp.down(now: now), .lcp, now: now)
            finishLink()
        case .frame(let bytes):
            if lowerIsUp { receive(bytes, now: now) }
        case .timerExpired(let timer):
            timerExpired(timer, now: now)
        case .close(let reason):
            record(.closedLocally)
            log("closing the link: \(printable(Array(reason.utf8)))")
            closeLink(reason: reason, now: now)
        }
        if closeRequested && !finished {
            closeRequested = false
            closeLink(reason: failure.map(terminateReason) ?? "", now: now)
        }
        let out = actions
        actions = []
        return out
    }

    // MARK: Received frames

    private mutating func receive(_ bytes: [UInt8], now: Duration) {
        let frame: PPPFrame
        do {
            frame = try PPPFrame(parsing: bytes)
        } catch {
            log("dropped a frame: \(error)")
            return
        }
        let protocolNumber = frame.protocolNumber
        if protocolNumber == PPPProtocolNumber.lcp {
            receiveLCP(frame.information, now: now)
            return
        }
        // §3.4: before LCP is Opened, only LCP packets count.
        guard lcp.state == .opened, phase == .authenticate || phase == .network else {
            log("dropped a \(PPPProtocolNumber.name(of: protocolNumber)) frame: LCP is not open")
            return
        }
        if let session = authentication, protocolNumber == session.protocolNumber {
            receiveAuthentication(frame.information, now: now)
            return
        }
        // §3.5: in the Authenticate phase only authentication packets count.
        guard phase == .network else {
            log(
                "dropped a \(PPPProtocolNumber.name(of: protocolNumber)) frame during authentication"
            )
            return
        }
        switch protocolNumber {
        case PPPProtocolNumber.ipcp:
            receiveNCP(frame.information, .ipcp, now: now)
        case PPPProtocolNumber.ipv6cp where ipv6cp != nil:
            receiveNCP(frame.information, .ipv6cp, now: now)
        case PPPProtocolNumber.ipv4:
            // The I/O layer's fast path carries data; RFC 1661 §3.6: data
            // for a network protocol that is not up is silently discarded.
            if !ipv4IsUp { log("dropped an IPv4 packet: IPCP is not open") }
        case PPPProtocolNumber.ipv6 where ipv6cp != nil:
            if !ipv6IsUp { log("dropped an IPv6 packet: IPv6CP is not open") }
        default:
            // §5.7: an unknown (or disabled) protocol: Protocol-Reject.
            sendProtocolReject(protocolNumber, information: frame.information)
        }
    }

    private mutating func receiveNCP(
        _ information: ArraySlice<UInt8>, _ layer: Layer, now: Duration
    ) {
        let packet: PPPControlPacket
        do {
            packet = try PPPControlPacket(parsing: information)
        } catch {
            log("dropped a \(PPPProtocolNumber.name(of: layer.protocolNumber)) packet: \(error)")
            return
        }
        switch layer {
        case .ipcp: apply(ipcp.receive(packet, now: now), .ipcp, now: now)
        case .ipv6cp:
            guard var automaton = ipv6cp else { return }
            let out = automaton.receive(packet, now: now)
            ipv6cp = automaton
            apply(out, .ipv6cp, now: now)
        case .lcp: break
        }
    }

    /// RFC 1661 §5.7: Protocol-Reject carries the rejected Protocol and
    /// Information, cut so the packet fits the peer's MRU.
    private mutating func sendProtocolReject(
        _ protocolNumber: UInt16, information: ArraySlice<UInt8>
    ) {
        let room = max(lcp.negotiation.peerMRU - PPPControlPacket.headerLength - 2, 0)
        var data: [UInt8] = []
        data.appendUInt16(protocolNumber)
        data += information.prefix(room)
        let packet = PPPControlPacket.serialize(
            code: PPPControlCode.protocolReject, identifier: lcp.nextIdentifier(), data: data)
        send(PPPProtocolNumber.lcp, packet)
        log("Protocol-Rejected \(PPPProtocolNumber.name(of: protocolNumber))")
    }

    // MARK: LCP

    private mutating func receiveLCP(_ information: ArraySlice<UInt8>, now: Duration) {
        let packet: PPPControlPacket
        do {
            packet = try PPPControlPacket(parsing: information)
        } catch {
            log("dropped an LCP packet: \(error)")
            return
        }
        switch packet.code {
        case PPPControlCode.protocolReject:
            receiveProtocolReject(packet, now: now)
        case PPPControlCode.echoRequest:
            // §5.8: answered in Opened only, with our Magic-Number (zero
            // when not negotiated: SoftEther rejects it and sends 0).
            guard lcp.state == .opened else { return }
            guard packet.data.count >= 4 else {
                log("LCP: dropped an Echo-Request without a Magic-Number (RFC 1661 §5.8)")
                return
            }
            var reply: [UInt8] = []
            reply.appendUInt32(lcp.negotiation.echoMagic)
            reply += packet.data.dropFirst(4)
            send(
                PPPProtocolNumber.lcp,
                PPPControlPacket.serialize(
                    code: PPPControlCode.echoReply, identifier: packet.identifier, data: reply))
        case PPPControlCode.echoReply:
            guard lcp.state == .opened else { return }
            guard packet.data.count >= 4 else {
                log("LCP: dropped an Echo-Reply without a Magic-Number (RFC 1661 §5.8)")
                return
            }
            let magic =
                PPPConfigurationOption(type: 0, data: Array(packet.data.prefix(4))).uint32Value ?? 0
            if let ours = lcp.negotiation.localMagic, magic == ours {
                // §6.4: our own magic coming back; like pppd, not a reply.
                log("LCP: ignored an Echo-Reply carrying our own magic number (looped back?)")
                return
            }
            echoesPending = 0
        case PPPControlCode.discardRequest:
            break  // §5.9: silently discarded.
        case PPPControlCode.terminateRequest:
            let reason = printable(packet.data)
            peerTerminateReason = reason
            if lcp.state == .opened { record(.terminatedByPeer(reason)) }
            log("LCP: the peer asks to terminate" + (reason.isEmpty ? "" : ": \(reason)"))
            apply(lcp.receive(packet, now: now), .lcp, now: now)
        case PPPControlCode.codeReject:
            let rejected = packet.data.first ?? 0
            if rejected == PPPControlCode.echoRequest {
                // The peer does not do echoes: keep quiet from now on.
                echoRejected = true
                disarm(.lcpEcho)
            }
            if (1...7).contains(rejected) {
                record(
                    .negotiationFailed(
                        "the peer Code-Rejected LCP \(PPPControlCode.name(rejected))"))
            }
            apply(lcp.receive(packet, now: now), .lcp, now: now)
        default:
            apply(lcp.receive(packet, now: now), .lcp, now: now)
        }
        if lcp.state == .closing || lcp.state == .stopping { setPhase(.terminate) }
        if lcp.negotiation.loopbackDetected {
            requestClose(.loopbackDetected)
        }
        if case .server(let configuration) = role, lcp.negotiation.noCommonAuthentication {
            requestClose(
                .negotiationFailed(
                    "the client refused every authentication method offered ("
                        + configuration.methods.map(\.rawValue).joined(separator: ", ") + ")"))
        }
    }

    private mutating func receiveProtocolReject(_ packet: PPPControlPacket, now: Duration) {
        // §5.7: only meaningful in Opened; the data starts with the
        // rejected Protocol. Rejection of an NCP is catastrophic for it.
        guard lcp.state == .opened else { return }
        guard packet.data.count >= 2 else {
            log("LCP: dropped a Protocol-Reject without a Rejected-Protocol (RFC 1661 §5.7)")
            return
        }
        let index = packet.data.startIndex
        let rejected = UInt16(packet.data[index]) << 8 | UInt16(packet.data[index + 1])
        log("LCP: the peer Protocol-Rejected \(PPPProtocolNumber.name(of: rejected))")
        switch rejected {
        case PPPProtocolNumber.ipcp, PPPProtocolNumber.ipv4:
            apply(
                ipcp.receiveReject(catastrophic: true, what: "Protocol-Reject", now: now), .ipcp,
                now: now)
        case PPPProtocolNumber.ipv6cp, PPPProtocolNumber.ipv6:
            guard var automaton = ipv6cp else { return }
            // A server without IPv6: not a failure, IPv4 carries on.
            peerRejectedIPv6 = true
            let out = automaton.receiveReject(catastrophic: true, what: "Protocol-Reject", now: now)
            ipv6cp = automaton
            apply(out, .ipv6cp, now: now)
        case PPPProtocolNumber.lcp:
            record(.negotiationFailed("the peer Protocol-Rejected LCP"))
            apply(
                lcp.receiveReject(catastrophic: true, what: "Protocol-Reject of LCP", now: now),
                .lcp, now: now)
        default:
            if let session = authentication, session.protocolNumber == rejected, !authenticated {
                requestClose(
                    .negotiationFailed(
                        "the peer Protocol-Rejected \(PPPProtocolNumber.name(of: rejected))"))
            }
        }
    }

    // MARK: Automaton outputs

    private mutating func apply(_ outputs: [PPPAutomatonOutput], _ layer: Layer, now: Duration) {
        for output in outputs {
            guard !finished else { return }
            switch output {
            case .send(let packet): send(layer.protocolNumber, packet)
            case .startTimer(let deadline): arm(layer.restartTimer, deadline)
            case .stopTimer: disarm(layer.restartTimer)
            case .log(let text): log(text)
            case .thisLayerUp: layerUp(layer, now: now)
            case .thisLayerDown: layerDown(layer, now: now)
            case .thisLayerStarted: break
            case .thisLayerFinished(let cause): layerFinished(layer, cause, now: now)
            }
        }
    }

    /// §4.4 tlu.
    private mutating func layerUp(_ layer: Layer, now: Duration) {
        switch layer {
        case .lcp:
            peerTerminateReason = nil
            lcp.peerMRU = lcp.negotiation.peerMRU
            ipcp.peerMRU = lcp.negotiation.peerMRU
            ipv6cp?.peerMRU = lcp.negotiation.peerMRU
            log("LCP: opened (MTU \(mtu))")
            if keepalive.interval > .zero && !echoRejected {
                arm(.lcpEcho, now + keepalive.interval)
            }
            startAuthentication(now: now)
        case .ipcp:
            let configuration: IPv4Configuration
            switch role {
            case .client: configuration = ipcp.negotiation.clientConfiguration(mtu: mtu)
            case .server: configuration = ipcp.negotiation.serverConfiguration(mtu: mtu)
            }
            guard configuration.local.isUsableUnicast else {
                requestClose(
                    .badIPConfiguration(
                        "IPCP ended with the unusable local address \(configuration.local)"))
                return
            }
            ipv4IsUp = true
            linkWasUsable = true
            log("IPCP: up, \(configuration)")
            actions.append(.ipv4Up(configuration))
        case .ipv6cp:
            guard let automaton = ipv6cp else { return }
            ipv6IsUp = true
            linkWasUsable = true
            let configuration = automaton.negotiation.configuration(mtu: mtu)
            log("IPv6CP: up, \(configuration)")
            actions.append(.ipv6Up(configuration))
        }
    }

    /// §4.4 tld.
    private mutating func layerDown(_ layer: Layer, now: Duration) {
        switch layer {
        case .lcp:
            // Everything above LCP goes down with it (§3.7).
            apply(ipcp.down(now: now), .ipcp, now: now)
            if var automaton = ipv6cp {
                let out = automaton.down(now: now)
                ipv6cp = automaton
                apply(out, .ipv6cp, now: now)
            }
            authentication = nil
            authenticated = false
            echoesPending = 0
            disarm(.authenticationRetransmit)
            disarm(.authenticationTimeout)
            disarm(.lcpEcho)
            // §3.2: unless the link is terminating, LCP renegotiates (a
            // retransmitted Configure-Request reaching an open peer does
            // this) and authentication runs again once it reopens.
            if phase != .terminate { setPhase(.establish) }
        case .ipcp:
            if ipv4IsUp {
                ipv4IsUp = false
                actions.append(.ipv4Down)
            }
        case .ipv6cp:
            if ipv6IsUp {
                ipv6IsUp = false
                actions.append(.ipv6Down)
            }
        }
    }

    /// §4.4 tlf.
    private mutating func layerFinished(_ layer: Layer, _ cause: PPPLayerFinishCause, now: Duration) {
        let reason: PPPFailure
        switch cause {
        case .closed: reason = .closedLocally
        case .configureTimeout: reason = .peerNotResponding(layer.stage)
        case .terminateTimeout: reason = .peerNotResponding(.termination)
        case .rejected(let what):
            reason = .negotiationFailed(
                "the peer sent a \(what) for \(PPPProtocolNumber.name(of: layer.protocolNumber))")
        case .terminatedByPeer: reason = .terminatedByPeer(peerTerminateReason ?? "")
        }
        switch layer {
        case .lcp:
            record(peerTerminateReason.map { .terminatedByPeer($0) } ?? reason)
            finishLink()
        case .ipcp, .ipv6cp:
            if layer == .ipv6cp, peerRejectedIPv6, case .rejected = cause {
                // §5.7: the peer does not do IPv6CP at all.
                ncpFailures[layer.protocolNumber] = .badIPConfiguration(
                    "the server does not do IPv6 (it Protocol-Rejected IPv6CP)")
                log("IPv6CP: the server does not do IPv6 (Protocol-Reject); IPv6 stays off")
            } else {
                ncpFailures[layer.protocolNumber] = reason
                log("\(PPPProtocolNumber.name(of: layer.protocolNumber)): finished: \(reason)")
            }
            checkNetworkLayers()
        }
    }

    /// pppd's "no network protocols running": once no NCP is open or still
    /// negotiating, the link has nothing to carry and closes.
    private mutating func checkNetworkLayers() {
        guard phase == .network else { return }
        let alive = { (state: PPPAutomatonState) in
            ![.initial, .starting, .closed, .stopped].contains(state)
        }
        if alive(ipcp.state) || (ipv6cp.map { alive($0.state) } ?? false) { return }
        let reason =
            ncpFailures[PPPProtocolNumber.ipcp] ?? ncpFailures[PPPProtocolNumber.ipv6cp]
            ?? .badIPConfiguration("no network protocol could be configured")
        switch reason {
        case .peerNotResponding, .terminatedByPeer, .closedLocally, .badIPConfiguration:
            requestClose(reason)
        default:
            requestClose(
                .badIPConfiguration("neither IPv4 nor IPv6 could be configured: \(reason)"))
        }
    }

    // MARK: Authentication (§3.5)

    private mutating func startAuthentication(now: Duration) {
        if case .server(let configuration) = role, !configuration.methods.isEmpty,
            lcp.negotiation.authenticatorMethod == nil
        {
            requestClose(.negotiationFailed("the client did not agree to authenticate"))
            return
        }
        guard let method = lcp.negotiation.negotiatedMethod else {
            log("no authentication was negotiated")
            authenticationSucceeded(.withoutKeys(nil, userName: nil), now: now)
            return
        }
        setPhase(.authenticate)
        linkWasUsable = true
        var session: any AuthenticationSession
        switch role {
        case .client(let configuration):
            switch method {
            case .pap:
                actions.append(
                    .warning(
                        "authenticating with PAP: the password goes to the server in clear text, "
                            + (configuration.serverIdentityUnverified
                                ? "and the server's certificate is not checked"
                                : "protected only by TLS")
                            + "; ask for MS-CHAPv2 or EAP on the server"))
                session = PAPAuthenticatee(
                    userName: configuration.userName, password: configuration.password,
                    limits: limits)
            case .chapMD5, .mschapv2:
                session = CHAPAuthenticatee(
                    method: method, userName: configuration.userName,
                    password: configuration.password, random: random)
            case .eapMSCHAPv2:
                session = EAPAuthenticatee(
                    userName: configuration.userName, password: configuration.password,
                    identity: configuration.eapIdentity ?? configuration.userName, random: random)
            }
        case .server(let configuration):
            switch method {
            case .pap:
                session = PAPAuthenticator(users: configuration.users)
            case .chapMD5, .mschapv2:
                session = CHAPAuthenticator(
                    method: method, configuration: configuration, limits: limits, random: random)
            case .eapMSCHAPv2:
                session = EAPAuthenticator(
                    configuration: configuration, limits: limits, random: random)
            }
        }
        log("authenticating with \(method)")
        if authenticationTimeout > .zero {
            arm(.authenticationTimeout, now + authenticationTimeout)
        }
        let out = session.start(now: now)
        authentication = session
        applyAuthentication(out, now: now)
    }

    private mutating func receiveAuthentication(_ information: ArraySlice<UInt8>, now: Duration) {
        guard var session = authentication else { return }
        let packet: PPPControlPacket
        do {
            packet = try PPPControlPacket(parsing: information)
        } catch {
            log("dropped a \(PPPProtocolNumber.name(of: session.protocolNumber)) packet: \(error)")
            return
        }
        let out = session.receive(packet, now: now)
        authentication = session
        applyAuthentication(out, now: now)
    }

    private mutating func applyAuthentication(_ outputs: [AuthenticationOutput], now: Duration) {
        guard let protocolNumber = authentication?.protocolNumber else { return }
        for output in outputs {
            guard !finished else { return }
            switch output {
            case .send(let packet): send(protocolNumber, packet)
            case .setTimer(let deadline): arm(.authenticationRetransmit, deadline)
            case .cancelTimer: disarm(.authenticationRetransmit)
            case .log(let text): log(text)
            case .succeeded(let result):
                if !authenticated { authenticationSucceeded(result, now: now) }
            case .failed(let reason):
                disarm(.authenticationRetransmit)
                disarm(.authenticationTimeout)
                requestClose(reason)
            }
        }
    }

    private mutating func authenticationSucceeded(_ result: PPPAuthenticationResult, now: Duration) {
        authenticated = true
        disarm(.authenticationTimeout)
        actions.append(.authenticated(result))
        // §3.6: Network phase: each NCP gets Open and Up.
        setPhase(.network)
        apply(ipcp.open(now: now), .ipcp, now: now)
        apply(ipcp.up(now: now), .ipcp, now: now)
        if var automaton = ipv6cp {
            var out = automaton.open(now: now)
            ipv6cp = automaton
            apply(out, .ipv6cp, now: now)
            guard var automaton = ipv6cp else { return }
            out = automaton.up(now: now)
            ipv6cp = automaton
            apply(out, .ipv6cp, now: now)
        }
    }

    // MARK: Timers

    private mutating func timerExpired(_ timer: PPPTimer, now: Duration) {
        // A timer we did not arm, or already stopped: stale, ignored.
        guard armed.removeValue(forKey: timer) != nil else { return }
        switch timer {
        case .lcpRestart:
            apply(lcp.timeout(now: now), .lcp, now: now)
        case .ipcpRestart:
            apply(ipcp.timeout(now: now), .ipcp, now: now)
        case .ipv6cpRestart:
            guard var automaton = ipv6cp else { return }
            let out = automaton.timeout(now: now)
            ipv6cp = automaton
            apply(out, .ipv6cp, now: now)
        case .authenticationRetransmit:
            guard var session = authentication else { return }
            let out = session.retransmitTimerExpired(now: now)
            authentication = session
            applyAuthentication(out, now: now)
        case .authenticationTimeout:
            guard !authenticated else { return }
            log("authentication took longer than \(authenticationTimeout)")
            requestClose(.peerNotResponding(.authentication))
        case .lcpEcho:
            sendEchoRequest(now: now)
        }
    }

    /// The keepalive: like pppd, give up once `failureLimit` Echo-Requests
    /// in a row went unanswered, else send the next one.
    private mutating func sendEchoRequest(now: Duration) {
        guard lcp.state == .opened, !echoRejected else { return }
        if keepalive.failureLimit > 0 && echoesPending >= keepalive.failureLimit {
            log("LCP: \(echoesPending) Echo-Requests went unanswered")
            requestClose(.peerNotResponding(.lcpEcho))
            return
        }
        var data: [UInt8] = []
        data.appendUInt32(lcp.negotiation.echoMagic)
        send(
            PPPProtocolNumber.lcp,
            PPPControlPacket.serialize(
                code: PPPControlCode.echoRequest, identifier: lcp.nextIdentifier(), data: data))
        echoesPending += 1
        arm(.lcpEcho, now + keepalive.interval)
    }

    // MARK: Ending

    private mutating func requestClose(_ reason: PPPFailure) {
        record(reason)
        closeRequested = true
    }

    /// §3.7: the Terminate phase: LCP Close (Terminate-Request), or the end
    /// at once when LCP has nothing to terminate.
    private mutating func closeLink(reason: String, now: Duration) {
        guard !finished else { return }
        if !lowerIsUp {
            finishLink()
            return
        }
        setPhase(.terminate)
        apply(lcp.close(reason: reason, now: now), .lcp, now: now)
        if !finished && [.initial, .closed, .stopped].contains(lcp.state) {
            finishLink()
        }
    }

    private func terminateReason(_ failure: PPPFailure) -> String {
        switch failure {
        case .authenticationFailed: "Authentication failed"
        case .peerNotResponding: "Peer not responding"
        case .negotiationFailed: "Negotiation failed"
        case .badIPConfiguration: "Bad IP configuration"
        case .terminatedByPeer: "Terminated by peer"
        case .loopbackDetected: "Loopback detected"
        case .lowerLayerDown: "Lower layer down"
        case .closedLocally: "User request"
        case .cryptoUnavailable: "Crypto unavailable"
        case .noCommonAuthenticationMethod, .weakAuthenticationWithoutVerification:
            "No acceptable authentication method"
        case .localSetup: "Local failure"
        }
    }

    /// The one terminal action.
    private mutating func finishLink() {
        guard !finished else { return }
        for timer in armed.keys.sorted(by: { $0.description < $1.description }) {
            actions.append(.cancelTimer(timer))
        }
        armed = [:]
        setPhase(.dead)
        var reason = failure ?? .lowerLayerDown
        if let mismatch = authenticationMismatch(instead: reason) { reason = mismatch }
        log("link down: \(reason)")
        actions.append(.linkDown(reason))
        finished = true
    }

    /// The client's reason when the link ended before any authentication
    /// or network protocol ran while the server proposed only methods the
    /// client declined (RFC 1661 §6.2): the server's Terminate-Request (a
    /// server that gave up on authentication may open LCP without it
    /// first, then terminate), its silence or the lower layer's end then
    /// come from that. `nil` when something else explains the end.
    private func authenticationMismatch(instead reason: PPPFailure) -> PPPFailure? {
        guard case .client(let configuration) = role, !linkWasUsable else { return nil }
        switch reason {
        case .terminatedByPeer, .lowerLayerDown, .negotiationFailed, .peerNotResponding(.lcp),
            .peerNotResponding(.ipcp), .peerNotResponding(.ipv6cp), .badIPConfiguration:
            break
        default: return nil
        }
        let offered = lcp.negotiation.offeredMethods
        let unsupported = lcp.negotiation.unsupportedOffers
        let accepted = configuration.acceptedMethods
        guard !offered.isEmpty || !unsupported.isEmpty,
            !offered.contains(where: accepted.contains)
        else { return nil }
        let weak = offered.filter { configuration.refusedAsWeak.contains($0) }
        if !weak.isEmpty { return .weakAuthenticationWithoutVerification(offered: weak) }
        let refused = PPPAuthenticationMethod.clientPreference.filter {
            configuration.refusedMethods.contains($0)
        }
        return .noCommonAuthenticationMethod(
            offered: offered, refused: refused, unsupported: unsupported)
    }

    private mutating func record(_ reason: PPPFailure) {
        if failure == nil { failure = reason }
    }

    // MARK: Output helpers

    private mutating func send(_ protocolNumber: UInt16, _ packet: [UInt8]) {
        actions.append(
            .send(PPPFrame.serialize(protocolNumber: protocolNumber, information: packet)))
    }

    private mutating func arm(_ timer: PPPTimer, _ deadline: Duration) {
        armed[timer] = deadline
        actions.append(.setTimer(timer, deadline: deadline))
    }

    private mutating func disarm(_ timer: PPPTimer) {
        if armed.removeValue(forKey: timer) != nil {
            actions.append(.cancelTimer(timer))
        }
    }

    private mutating func setPhase(_ newPhase: PPPPhase) {
        guard newPhase != phase else { return }
        phase = newPhase
        actions.append(.phase(newPhase))
    }

    private mutating func log(_ text: String) {
        actions.append(.log(text))
    }
}
