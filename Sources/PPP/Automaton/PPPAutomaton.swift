/// The option negotiation automaton of RFC 1661 §4, shared by LCP, IPCP and
/// IPv6CP. Pure: events and the time in, outputs out. Each transition below
/// cites the state table of §4.1 as "State + Event → actions/next state".
struct PPPAutomaton<Negotiation: PPPOptionNegotiation>: Sendable {
    typealias Output = PPPAutomatonOutput
    typealias FinishCause = PPPLayerFinishCause

    private(set) var state: PPPAutomatonState = .initial
    var negotiation: Negotiation
    let limits: PPPNegotiationLimits
    /// The peer's MRU, to cut Code-Rejects to size (§5.6).
    var peerMRU = 1500

    private var restartCounter = 0
    /// §4.6 Max-Failure: Configure-Naks sent since the last Configure-Ack.
    private var naksSent = 0
    /// Configure-Naks received in a row (pppd's rnakloops).
    private var naksReceived = 0
    private var identifier: UInt8 = 0
    /// The Identifier and options of the Configure-Request that still waits
    /// for its Ack, Nak or Reject (§5.2–§5.4 check them).
    private var pendingRequest: (identifier: UInt8, options: [PPPConfigurationOption])?
    private var timerRunning = false
    /// Set when the peer's Terminate-Request moved us to Stopping.
    private var peerTerminated = false
    /// Our Close, until tlf.
    private var closing = false

    init(negotiation: Negotiation, limits: PPPNegotiationLimits) {
        self.negotiation = negotiation
        self.limits = limits
    }

    var name: String { negotiation.name }

    /// A fresh Identifier for a packet of this protocol (§5: "aids in
    /// matching requests and replies"). LCP's Echo-Requests, Code-Rejects
    /// and Protocol-Rejects draw from the same sequence.
    mutating func nextIdentifier() -> UInt8 {
        identifier &+= 1
        return identifier
    }

    // MARK: Administrative and lower-layer events (§4.3)

    /// §4.3 Up: the lower layer is ready.
    mutating func up(now: Duration) -> [Output] {
        var out: [Output] = []
        switch state {
        case .initial:
            state = .closed  // Initial + Up → 2
        case .starting:
            // Starting + Up → irc,scr/6
            initializeRestartCount(configure: true)
            sendConfigureRequest(now: now, fresh: true, &out)
            state = .requestSent
        default:
            break  // "-": cannot happen; ignored.
        }
        return finish(out)
    }

    /// §4.3 Down: the lower layer is gone.
    mutating func down(now: Duration) -> [Output] {
        var out: [Output] = []
        switch state {
        case .closed: state = .initial  // Closed + Down → 0
        case .stopped:
            out.append(.thisLayerStarted)  // Stopped + Down → tls/1
            state = .starting
        case .closing: state = .initial  // Closing + Down → 0
        case .stopping, .requestSent, .ackReceived, .ackSent:
            state = .starting  // → 1
        case .opened:
            out.append(.thisLayerDown)  // Opened + Down → tld/1
            state = .starting
        case .initial, .starting:
            break
        }
        return finish(out)
    }

    /// §4.3 Open: the administrator allows the link.
    mutating func open(now: Duration) -> [Output] {
        var out: [Output] = []
        closing = false
        switch state {
        case .initial:
            out.append(.thisLayerStarted)  // Initial + Open → tls/1
            state = .starting
        case .closed:
            // Closed + Open → irc,scr/6
            initializeRestartCount(configure: true)
            sendConfigureRequest(now: now, fresh: true, &out)
            state = .requestSent
        case .closing:
            state = .stopping  // Closing + Open → 5 (restart option not taken)
        default:
            break  // Starting 1, Stopped 3, Stopping 5, Req-Sent 6, ... Opened 9: no change.
        }
        return finish(out)
    }

    /// §4.3 Close: the administrator wants the link down.
    mutating func close(reason: String, now: Duration) -> [Output] {
        var out: [Output] = []
        closing = true
        switch state {
        case .initial:
            break  // Initial + Close → 0
        case .starting:
            out.append(.thisLayerFinished(.closed))  // Starting + Close → tlf/0
            state = .initial
        case .closed, .stopped:
            state = .closed  // → 2
        case .closing, .stopping:
            state = .closing  // → 4
        case .requestSent, .ackReceived, .ackSent:
            // → irc,str/4
            initializeRestartCount(configure: false)
            sendTerminateRequest(reason: reason, now: now, &out)
            state = .closing
        case .opened:
            // Opened + Close → tld,irc,str/4
            out.append(.thisLayerDown)
            initializeRestartCount(configure: false)
            sendTerminateRequest(reason: reason, now: now, &out)
            state = .closing
        }
        return finish(out)
    }

    /// The Restart timer expired: TO+ while the counter is above zero, TO-
    /// once it is exhausted (§4.3 Timeout).
    mutating func timeout(now: Duration) -> [Output] {
        var out: [Output] = []
        timerRunning = false
        guard state.runsRestartTimer else { return finish(out) }
        if restartCounter > 0 {
            switch state {
            case .closing, .stopping:
                // Closing + TO+ → str/4, Stopping + TO+ → str/5
                sendTerminateRequest(reason: "", now: now, &out)
            case .requestSent, .ackReceived:
                // Req-Sent/Ack-Rcvd + TO+ → scr/6
                out.append(.log("\(name): no answer, Configure-Request again"))
                sendConfigureRequest(now: now, fresh: false, &out)
                state = .requestSent
            case .ackSent:
                sendConfigureRequest(now: now, fresh: false, &out)  // Ack-Sent + TO+ → scr/8
            default:
                break
            }
        } else {
            switch state {
            case .closing:
                // Closing + TO- → tlf/2
                out.append(.thisLayerFinished(closing ? .closed : .terminateTimeout))
                state = .closed
            case .stopping:
                // Stopping + TO- → tlf/3
                out.append(
                    .thisLayerFinished(peerTerminated ? .terminatedByPeer : .terminateTimeout))
                state = .stopped
            case .requestSent, .ackReceived, .ackSent:
                // → tlf/3p
                out.append(
                    .log("\(name): \(limits.maxConfigure) Configure-Requests went unanswered"))
                out.append(.thisLayerFinished(.configureTimeout))
                state = .stopped
            default:
                break
            }
        }
        return finish(out)
    }

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

    private mutating func receiveReject(
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

    private mutating func receiveConfigureRequest(
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

    private mutating func receiveConfigureAck(
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

    private mutating func receiveConfigureNakOrReject(
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
    private mutating func validReply(to packet: PPPControlPacket, _ out: inout [Output])
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

    private mutating func receiveTerminateRequest(
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

    private mutating func receiveTerminateAck(now: Duration, _ out: inout [Output]) {
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

    private mutating func receiveUnknownCode(_ packet: PPPControlPacket, _ out: inout [Output]) {
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

    // MARK: Actions (§4.4)

    /// irc: Max-Configure for Configure-Requests, Max-Terminate for
    /// Terminate-Requests.
    private mutating func initializeRestartCount(configure: Bool) {
        restartCounter = configure ? limits.maxConfigure : limits.maxTerminate
    }

    /// scr: a new Identifier each time, the counter goes down by one and
    /// the Restart timer starts. A fresh negotiation first resets the
    /// options and the failure counters (like pppd's resetci).
    private mutating func sendConfigureRequest(now: Duration, fresh: Bool, _ out: inout [Output]) {
        if fresh {
            negotiation.reset()
            naksSent = 0
            naksReceived = 0
        }
        let options = negotiation.requestOptions()
        let id = nextIdentifier()
        pendingRequest = (id, options)
        send(
            code: PPPControlCode.configureRequest, identifier: id,
            data: PPPConfigurationOption.serialize(options), &out
        )
        out.append(
            .log("\(name): sent Configure-Request id \(id) \(negotiation.describe(options))"))
        restartCounter -= 1
        startTimer(now: now, &out)
    }

    /// str.
    private mutating func sendTerminateRequest(reason: String, now: Duration, _ out: inout [Output]) {
        pendingRequest = nil
        send(
            code: PPPControlCode.terminateRequest, identifier: nextIdentifier(),
            data: Array(reason.utf8.prefix(64)),
            &out)
        out.append(.log("\(name): sent Terminate-Request"))
        restartCounter -= 1
        startTimer(now: now, &out)
    }

    private mutating func startTimer(now: Duration, _ out: inout [Output]) {
        timerRunning = true
        out.append(.startTimer(now + limits.restartInterval))
    }

    private func send(
        code: UInt8, identifier: UInt8, data: some Collection<UInt8>, _ out: inout [Output]
    ) {
        Self.appendSend(code: code, identifier: identifier, data: data, &out)
    }

    private static func appendSend(
        code: UInt8, identifier: UInt8, data: some Collection<UInt8>, _ out: inout [Output]
    ) {
        out.append(
            .send(PPPControlPacket.serialize(code: code, identifier: identifier, data: data)))
    }

    /// Stops the Restart timer in every state that does not run it (§4.6),
    /// and clears per-negotiation marks once the layer is at rest.
    private mutating func finish(_ out: [Output]) -> [Output] {
        var out = out
        if timerRunning && !state.runsRestartTimer {
            timerRunning = false
            out.append(.stopTimer)
        }
        switch state {
        case .initial, .starting, .closed, .stopped:
            pendingRequest = nil
            peerTerminated = false
        case .opened:
            peerTerminated = false
        default:
            break
        }
        return out
    }
}

/// What the automaton asks of the layer that runs it.
enum PPPAutomatonOutput: Hashable, Sendable {
    /// A packet of this protocol (Code onward) to send.
    case send([UInt8])
    /// Start the Restart timer, to expire at this deadline.
    case startTimer(Duration)
    case stopTimer
    /// §4.4 tlu: this layer is up.
    case thisLayerUp
    /// §4.4 tld: this layer is leaving Opened.
    case thisLayerDown
    /// §4.4 tls: this layer needs the lower layer.
    case thisLayerStarted
    /// §4.4 tlf: this layer is done with the lower layer.
    case thisLayerFinished(PPPLayerFinishCause)
    case log(String)
}

/// What led to an automaton's tlf, so that the engine can name the failure.
enum PPPLayerFinishCause: Hashable, Sendable {
    /// We closed it (Close event, or Terminate-Ack to our request).
    case closed
    /// Max-Configure Configure-Requests went unanswered (§4.6).
    case configureTimeout
    /// Max-Terminate Terminate-Requests went unanswered.
    case terminateTimeout
    /// A catastrophic Code-Reject or Protocol-Reject (§4.4 RXJ-).
    case rejected(String)
    /// The peer's Terminate-Request ended it.
    case terminatedByPeer
}
