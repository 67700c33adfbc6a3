/// The option negotiation automaton of RFC 1661 §4, shared by LCP, IPCP and
/// IPv6CP. Pure: events and the time in, outputs out. Each transition below
/// cites the state table of §4.1 as "State + Event → actions/next state".
struct PPPAutomaton<Negotiation: PPPOptionNegotiation>: Sendable {
    typealias Output = PPPAutomatonOutput
    typealias FinishCause = PPPLayerFinishCause

    var state: PPPAutomatonState = .initial
    var negotiation: Negotiation
    let limits: PPPNegotiationLimits
    /// The peer's MRU, to cut Code-Rejects to size (§5.6).
    var peerMRU = 1500

    var restartCounter = 0
    /// §4.6 Max-Failure: Configure-Naks sent since the last Configure-Ack.
    var naksSent = 0
    /// Configure-Naks received in a row (pppd's rnakloops).
    var naksReceived = 0
    var identifier: UInt8 = 0
    /// The Identifier and options of the Configure-Request that still waits
    /// for its Ack, Nak or Reject (§5.2–§5.4 check them).
    var pendingRequest: (identifier: UInt8, options: [PPPConfigurationOption])?
    var timerRunning = false
    /// Set when the peer's Terminate-Request moved us to Stopping.
    var peerTerminated = false
    /// Our Close, until tlf.
    var closing = false

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

    // MARK: Actions (§4.4)

    /// irc: Max-Configure for Configure-Requests, Max-Terminate for
    /// Terminate-Requests.
    mutating func initializeRestartCount(configure: Bool) {
        restartCounter = configure ? limits.maxConfigure : limits.maxTerminate
    }

    /// scr: a new Identifier each time, the counter goes down by one and
    /// the Restart timer starts. A fresh negotiation first resets the
    /// options and the failure counters (like pppd's resetci).
    mutating func sendConfigureRequest(now: Duration, fresh: Bool, _ out: inout [Output]) {
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
    mutating func sendTerminateRequest(reason: String, now: Duration, _ out: inout [Output]) {
        pendingRequest = nil
        send(
            code: PPPControlCode.terminateRequest, identifier: nextIdentifier(),
            data: Array(reason.utf8.prefix(64)),
            &out)
        out.append(.log("\(name): sent Terminate-Request"))
        restartCounter -= 1
        startTimer(now: now, &out)
    }

    mutating func startTimer(now: Duration, _ out: inout [Output]) {
        timerRunning = true
        out.append(.startTimer(now + limits.restartInterval))
    }

    func send(
        code: UInt8, identifier: UInt8, data: some Collection<UInt8>, _ out: inout [Output]
    ) {
        Self.appendSend(code: code, identifier: identifier, data: data, &out)
    }

    static func appendSend(
        code: UInt8, identifier: UInt8, data: some Collection<UInt8>, _ out: inout [Output]
    ) {
        out.append(
            .send(PPPControlPacket.serialize(code: code, identifier: identifier, data: data)))
    }

    /// Stops the Restart timer in every state that does not run it (§4.6),
    /// and clears per-negotiation marks once the layer is at rest.
    mutating func finish(_ out: [Output]) -> [Output] {
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
