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

    var phase = PPPPhase.dead
    var lcp: PPPAutomaton<LCPNegotiation>
    var ipcp: PPPAutomaton<IPCPNegotiation>
    /// `nil` when IPv6 is off: IPv6CP and IPv6 are then Protocol-Rejected.
    var ipv6cp: PPPAutomaton<IPv6CPNegotiation>?
    var authentication: (any AuthenticationSession)?
    var authenticated = false
    var lowerIsUp = false
    var finished = false
    /// The first cause of the end; later ones do not replace it.
    var failure: PPPFailure?
    /// Set by the peer's Terminate-Request until LCP opens again.
    var peerTerminateReason: String?
    /// Why each NCP finished, for the reason when none is left.
    var ncpFailures: [UInt16: PPPFailure] = [:]
    /// Authentication ran with a method, or a network protocol came up:
    /// past that, an end is not for want of a common method.
    var linkWasUsable = false
    /// The peer Protocol-Rejected IPv6CP: it does not do IPv6.
    var peerRejectedIPv6 = false
    var ipv4IsUp = false
    var ipv6IsUp = false
    /// The Close asked for while handling an event, done at its end, so
    /// that the packets of the current transition go out first.
    var closeRequested = false
    var armed: [PPPTimer: Duration] = [:]
    var echoesPending = 0
    var echoRejected = false
    /// The actions of the event being handled.
    var actions: [PPPAction] = []

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
        case .eapBackend(let answer):
            if lowerIsUp { receiveBackendAnswer(answer, now: now) }
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

    mutating func receive(_ bytes: [UInt8], now: Duration) {
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

    mutating func receiveNCP(
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
    mutating func sendProtocolReject(
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

    mutating func receiveLCP(_ information: ArraySlice<UInt8>, now: Duration) {
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

    mutating func receiveProtocolReject(_ packet: PPPControlPacket, now: Duration) {
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

    // MARK: Output helpers

    mutating func send(_ protocolNumber: UInt16, _ packet: [UInt8]) {
        actions.append(
            .send(PPPFrame.serialize(protocolNumber: protocolNumber, information: packet)))
    }

    mutating func arm(_ timer: PPPTimer, _ deadline: Duration) {
        armed[timer] = deadline
        actions.append(.setTimer(timer, deadline: deadline))
    }

    mutating func disarm(_ timer: PPPTimer) {
        if armed.removeValue(forKey: timer) != nil {
            actions.append(.cancelTimer(timer))
        }
    }

    mutating func setPhase(_ newPhase: PPPPhase) {
        guard newPhase != phase else { return }
        phase = newPhase
        actions.append(.phase(newPhase))
    }

    mutating func log(_ text: String) {
        actions.append(.log(text))
    }
}
