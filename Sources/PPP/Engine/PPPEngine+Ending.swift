import ByteCoding

/// Timers (restart, authentication, LCP echo) and the end of the link:
/// Close, Terminate, and the failure it is reported with.
extension PPPEngine {
    // MARK: Timers

    mutating func timerExpired(_ timer: PPPTimer, now: Duration) {
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
    mutating func sendEchoRequest(now: Duration) {
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

    mutating func requestClose(_ reason: PPPFailure) {
        record(reason)
        closeRequested = true
    }

    /// §3.7: the Terminate phase: LCP Close (Terminate-Request), or the end
    /// at once when LCP has nothing to terminate.
    mutating func closeLink(reason: String, now: Duration) {
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

    func terminateReason(_ failure: PPPFailure) -> String {
        switch failure {
        case .authenticationFailed, .eapServerUntrusted: "Authentication failed"
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
    mutating func finishLink() {
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
    func authenticationMismatch(instead reason: PPPFailure) -> PPPFailure? {
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

    mutating func record(_ reason: PPPFailure) {
        if failure == nil { failure = reason }
    }
}
