/// The receive events of RFC 1661 §4.3 (RCR+/-, RCA, RCN, RTR, RTA, RUC,
/// RXJ+/-) through the state table, state by state.
extension PPPAutomaton {
    // MARK: Received packets

    /// Handles a received packet of codes 1–7, or any other code this
    /// automaton does not know (RUC → Code-Reject). The caller handles
    /// LCP's codes 8–11 before calling this.
    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [Output] {
        var out: [Output] = []
        switch packet.code {
        case PPPControlCode.configureRequest:
            receiveConfigureRequest(packet, now: now, &out)
        case PPPControlCode.configureAck:
            receiveConfigureAck(packet, now: now, &out)
        case PPPControlCode.configureNak, PPPControlCode.configureReject:
            receiveConfigureNakOrReject(packet, now: now, &out)
        case PPPControlCode.terminateRequest:
            receiveTerminateRequest(packet, now: now, &out)
        case PPPControlCode.terminateAck:
            receiveTerminateAck(now: now, &out)
        case PPPControlCode.codeReject:
            // §5.6: the rejected packet starts with its Code. Rejecting a
            // code of 1–7 is catastrophic (RXJ-); others (Echo, Discard...)
            // are permitted (RXJ+).
            let rejected = packet.data.first ?? 0
            let catastrophic = (1...7).contains(rejected)
            out.append(.log("\(name): peer Code-Rejected \(PPPControlCode.name(rejected))"))
            receiveReject(
                catastrophic: catastrophic, what: "Code-Reject of \(PPPControlCode.name(rejected))",
                now: now, &out)
        default:
            receiveUnknownCode(packet, &out)
        }
        return finish(out)
    }

    /// RXJ+ / RXJ- from a Code-Reject, or from an LCP Protocol-Reject of
    /// this protocol (§5.7: always catastrophic for the rejected protocol).
    mutating func receiveReject(catastrophic: Bool, what: String, now: Duration) -> [Output] {
        var out: [Output] = []
        receiveReject(catastrophic: catastrophic, what: what, now: now, &out)
        return finish(out)
    }

    mutating func receiveReject(
        catastrophic: Bool, what: String, now: Duration, _ out: inout [Output]
    ) {
        guard catastrophic else { return }  // RXJ+: no change in any state.
        switch state {
        case .closed, .closing:
            out.append(.thisLayerFinished(.rejected(what)))  // RXJ- → tlf/2
            state = .closed
        case .stopped, .stopping, .requestSent, .ackReceived, .ackSent:
            out.append(.thisLayerFinished(.rejected(what)))  // RXJ- → tlf/3
            state = .stopped
        case .opened:
            // Opened + RXJ- → tld,irc,str/5
            out.append(.thisLayerDown)
            initializeRestartCount(configure: false)
            sendTerminateRequest(reason: "", now: now, &out)
            state = .stopping
        case .initial, .starting:
            break
        }
    }

    mutating func receiveConfigureRequest(
        _ packet: PPPControlPacket, now: Duration, _ out: inout [Output]
    ) {
        let options: [PPPConfigurationOption]
        do {
            options = try PPPConfigurationOption.parseList(packet.data)
        } catch {
            out.append(.log("\(name): dropped a malformed Configure-Request: \(error)"))
            return
        }
        switch state {
        case .initial, .starting, .closing, .stopping:
            return  // "-", or Closing 4 / Stopping 5: no change.
        case .closed:
            // Closed + RCR → sta/2
            send(code: PPPControlCode.terminateAck, identifier: packet.identifier, data: [], &out)
            return
        default:
            break
        }
        out.append(
            .log(
                "\(name): received Configure-Request id \(packet.identifier) \(negotiation.describe(options))"
            ))
        let wasState = state
        if wasState == .opened {
            out.append(.thisLayerDown)  // Opened + RCR → tld,scr,...
        }
        if wasState == .stopped || wasState == .opened {
            // Stopped + RCR → irc,scr,...; Opened + RCR → tld,scr,... (the
            // count is reset for Opened too, as the table's scr needs one).
            initializeRestartCount(configure: true)
            sendConfigureRequest(now: now, fresh: true, &out)
        }
        let verdict = negotiation.evaluate(
            request: options, nakAllowed: naksSent < limits.maxFailure)
        switch verdict {
        case .ack:
            // RCR+: sca
            naksSent = 0
            send(
                code: PPPControlCode.configureAck, identifier: packet.identifier, data: packet.data,
                &out)
            out.append(.log("\(name): sent Configure-Ack id \(packet.identifier)"))
            switch wasState {
            case .ackReceived:
                out.append(.thisLayerUp)  // Ack-Rcvd + RCR+ → sca,tlu/9
                state = .opened
            default:
                state = .ackSent  // Stopped → 8, Req-Sent → 8, Ack-Sent → 8, Opened → 8
            }
        case .nak(let nak), .reject(let nak):
            // RCR-: scn
            let isNak: Bool
            if case .nak = verdict { isNak = true } else { isNak = false }
            if isNak { naksSent += 1 }
            let code = isNak ? PPPControlCode.configureNak : PPPControlCode.configureReject
            send(
                code: code, identifier: packet.identifier,
                data: PPPConfigurationOption.serialize(nak), &out)
            out.append(
                .log(
                    "\(name): sent \(PPPControlCode.name(code)) id \(packet.identifier) \(negotiation.describe(nak))"
                ))
            switch wasState {
            case .ackReceived:
                state = .ackReceived  // Ack-Rcvd + RCR- → scn/7
            default:
                state = .requestSent  // Stopped/Req-Sent/Ack-Sent/Opened + RCR- → 6
            }
        }
    }

    mutating func receiveConfigureAck(
        _ packet: PPPControlPacket, now: Duration, _ out: inout [Output]
    ) {
        if state == .closed || state == .stopped {
            // Closed + RCA → sta/2, Stopped + RCA → sta/3: whatever it
            // acknowledges, the peer is told the link is down.
            send(code: PPPControlCode.terminateAck, identifier: packet.identifier, data: [], &out)
            return
        }
        guard let options = validReply(to: packet, &out) else { return }
        // §5.2: the options must be exactly those of our last request.
        guard options == pendingRequest?.options else {
            out.append(.log("\(name): dropped a Configure-Ack that does not match our request"))
            return
        }
        out.append(.log("\(name): received Configure-Ack id \(packet.identifier)"))
        pendingRequest = nil
        naksReceived = 0
        switch state {
        case .requestSent:
            negotiation.receivedAck(options)
            initializeRestartCount(configure: true)  // Req-Sent + RCA → irc/7
            state = .ackReceived
        case .ackReceived:
            // Ack-Rcvd + RCA → scr/6x (crossed connection)
            sendConfigureRequest(now: now, fresh: false, &out)
            state = .requestSent
        case .ackSent:
            negotiation.receivedAck(options)
            initializeRestartCount(configure: true)  // Ack-Sent + RCA → irc,tlu/9
            out.append(.thisLayerUp)
            state = .opened
        case .opened:
            // Opened + RCA → tld,scr/6x
            out.append(.thisLayerDown)
            sendConfigureRequest(now: now, fresh: true, &out)
            state = .requestSent
        case .initial, .starting, .closing, .stopping, .closed, .stopped:
            break  // Closing 4 / Stopping 5: no change; Closed and Stopped answered above.
        }
    }

    mutating func receiveConfigureNakOrReject(
        _ packet: PPPControlPacket, now: Duration, _ out: inout [Output]
    ) {
        if state == .closed || state == .stopped {
            // Closed + RCN → sta/2, Stopped + RCN → sta/3.
            send(code: PPPControlCode.terminateAck, identifier: packet.identifier, data: [], &out)
            return
        }
        guard let options = validReply(to: packet, &out) else { return }
        let isReject = packet.code == PPPControlCode.configureReject
        if isReject {
            // §5.4: a Reject lists a subset of our options, unmodified.
            let sent = pendingRequest?.options ?? []
            guard options.allSatisfy({ sent.contains($0) }) else {
                out.append(
                    .log("\(name): dropped a Configure-Reject that is not a subset of our request"))
                return
            }
        }
        out.append(
            .log(
                "\(name): received \(PPPControlCode.name(packet.code)) id \(packet.identifier) "
                    + negotiation.describe(options)))
        pendingRequest = nil
        switch state {
        case .initial, .starting, .closing, .stopping, .closed, .stopped:
            return
        default:
            break
        }
        if isReject {
            negotiation.receivedReject(options)
        } else {
            naksReceived += 1
            negotiation.receivedNak(options, treatAsReject: naksReceived > limits.maxFailure)
        }
        switch state {
        case .requestSent:
            // Req-Sent + RCN → irc,scr/6
            initializeRestartCount(configure: true)
            sendConfigureRequest(now: now, fresh: false, &out)
        case .ackReceived:
            sendConfigureRequest(now: now, fresh: false, &out)  // Ack-Rcvd + RCN → scr/6x
            state = .requestSent
        case .ackSent:
            // Ack-Sent + RCN → irc,scr/8
            initializeRestartCount(configure: true)
            sendConfigureRequest(now: now, fresh: false, &out)
        case .opened:
            // Opened + RCN → tld,scr/6x
            out.append(.thisLayerDown)
            sendConfigureRequest(now: now, fresh: false, &out)
            state = .requestSent
        default:
            break
        }
    }

    /// §5.2–§5.4: a reply counts only if its Identifier matches the last
    /// Configure-Request we sent and that request is still unanswered.
    /// Invalid packets are silently discarded. So in Ack-Rcvd and Opened,
    /// which have no unanswered request, the table's RCA and RCN rows
    /// (scr/6x, tld,scr/6x) never fire: a stray Ack or Nak is discarded, as
    /// pppd does.
    mutating func validReply(to packet: PPPControlPacket, _ out: inout [Output])
        -> [PPPConfigurationOption]?
    {
        guard let pending = pendingRequest, pending.identifier == packet.identifier else {
            out.append(
                .log(
                    "\(name): dropped \(PPPControlCode.name(packet.code)) id \(packet.identifier): no request of ours has that id"
                ))
            return nil
        }
        do {
            return try PPPConfigurationOption.parseList(packet.data)
        } catch {
            out.append(
                .log("\(name): dropped a malformed \(PPPControlCode.name(packet.code)): \(error)"))
            return nil
        }
    }

    mutating func receiveTerminateRequest(
        _ packet: PPPControlPacket, now: Duration, _ out: inout [Output]
    ) {
        let ack = { (out: inout [Output]) in
            Self.appendSend(
                code: PPPControlCode.terminateAck, identifier: packet.identifier, data: [], &out)
        }
        switch state {
        case .initial, .starting:
            return
        case .closed, .stopped, .closing, .stopping:
            ack(&out)  // → sta/2, sta/3, sta/4, sta/5
        case .requestSent, .ackReceived, .ackSent:
            ack(&out)  // → sta/6
            state = .requestSent
        case .opened:
            // Opened + RTR → tld,zrc,sta/5
            out.append(.thisLayerDown)
            restartCounter = 0
            startTimer(now: now, &out)
            ack(&out)
            peerTerminated = true
            state = .stopping
        }
        out.append(
            .log("\(name): peer sent Terminate-Request id \(packet.identifier); sent Terminate-Ack")
        )
    }

    mutating func receiveTerminateAck(now: Duration, _ out: inout [Output]) {
        switch state {
        case .closing:
            out.append(.thisLayerFinished(.closed))  // Closing + RTA → tlf/2
            state = .closed
        case .stopping:
            out.append(.thisLayerFinished(peerTerminated ? .terminatedByPeer : .closed))  // → tlf/3
            state = .stopped
        case .ackReceived:
            state = .requestSent  // Ack-Rcvd + RTA → 6
        case .opened:
            // Opened + RTA → tld,scr/6
            out.append(.thisLayerDown)
            sendConfigureRequest(now: now, fresh: true, &out)
            state = .requestSent
        default:
            break  // Closed 2, Stopped 3, Req-Sent 6, Ack-Sent 8: no change.
        }
    }

    mutating func receiveUnknownCode(_ packet: PPPControlPacket, _ out: inout [Output]) {
        switch state {
        case .initial, .starting:
            return
        default:
            // RUC → scj in every other state, no change (§5.6): the whole
            // rejected packet, cut to the peer's MRU.
            let rejected = packet.serialized()
            let room = max(peerMRU - PPPControlPacket.headerLength, 0)
            send(
                code: PPPControlCode.codeReject, identifier: nextIdentifier(),
                data: rejected.prefix(room), &out)
            out.append(.log("\(name): Code-Rejected unknown code \(packet.code)"))
        }
    }
}
