import ByteCoding

/// What the LCP, IPCP and IPv6CP automata report (RFC 1661 §4.4
/// This-Layer-Up/Down/Finished), and the phases they move the link through.
extension PPPEngine {
    // MARK: Automaton outputs

    mutating func apply(_ outputs: [PPPAutomatonOutput], _ layer: Layer, now: Duration) {
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
    mutating func layerUp(_ layer: Layer, now: Duration) {
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
    mutating func layerDown(_ layer: Layer, now: Duration) {
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
    mutating func layerFinished(_ layer: Layer, _ cause: PPPLayerFinishCause, now: Duration) {
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
    mutating func checkNetworkLayers() {
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
}
