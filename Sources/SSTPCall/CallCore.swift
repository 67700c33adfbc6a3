import PPP
import SSTPSession
import SSTPWire

/// The wiring both roles share: one SSTP session and one PPP link (the
/// built-in engine, or an external one such as pppd that the driver runs),
/// joined by the rules of MS-SSTP 3.2.5 / 3.3.5:
/// - SSTP's Lower-Layer-Up (CALL_CONNECT_ACK) starts PPP;
/// - PPP's successful authentication gives the HLAK for the crypto binding
///   (3.2.5.2);
/// - no PPP data frame passes before the call is connected (3.2.5.2,
///   3.3.5.2.3), nor for a network protocol whose NCP is not open;
/// - PPP's end disconnects the call, and the call's end takes PPP down.
struct CallCore<Session: SSTPCallSession, Engine: PPPCallEngine>: Sendable {
    var session: Session
    var engine: Engine?
    /// An external PPP backend runs instead of `engine`.
    let externalPPP: Bool
    var externalRunning = false
    private var deframer: SSTPDeframer
    private(set) var ipv4Open = false
    private(set) var ipv6Open = false
    private(set) var pppFailure: PPPFailure?
    var requested = false
    /// SSTP closed while the external backend still ran: the end waits for
    /// its exit status (it says why, e.g. a refused password).
    private var pendingClose: SSTPCloseReason?
    private(set) var end: CallEnd?

    init(session: Session, engine: Engine?, externalPPP: Bool) {
        self.session = session
        self.engine = engine
        self.externalPPP = externalPPP
        deframer = SSTPDeframer()
    }

    /// Stands in for the deframer while it is borrowed; never fed.
    private static var placeholder: SSTPDeframer { SSTPDeframer(options: .default, reserving: 0) }

    // MARK: Inputs

    mutating func receive(
        _ bytes: UnsafeRawBufferPointer, now: Duration, _ data: (CallData) -> Void
    ) -> [CallAction] {
        guard end == nil else { return [] }
        session.noteReceived(now: now)
        var actions: [CallAction] = []
        var borrowed = Self.placeholder
        swap(&borrowed, &deframer)
        defer { swap(&borrowed, &deframer) }
        do {
            try borrowed.feed(bytes) { frame in
                guard end == nil else { return }
                if frame.isControl {
                    map(session.receivedControlPacket(Array(frame.bytes), now: now), now: now, &actions)
                } else {
                    receivedPPPFrame(frame.body, now: now, data, &actions)
                }
            }
        } catch let error as SSTPWireError {
            map(session.delineationFailed(error), now: now, &actions)
        } catch {
            map(session.delineationFailed(.emptyDataPacket), now: now, &actions)
        }
        return actions
    }

    private mutating func receivedPPPFrame(
        _ frame: UnsafeRawBufferPointer, now: Duration, _ data: (CallData) -> Void, _ actions: inout [CallAction]
    ) {
        guard let (protocolNumber, headerLength) = PPPFrameHeader.decode(frame) else { return }
        // RFC 1661 2: protocol numbers below 0x8000 carry network data.
        let isData = protocolNumber & 0x8000 == 0
        if externalPPP {
            // The external backend runs all of PPP; only SSTP's rule applies
            // here: no data before Call Connected (3.2.5.2).
            guard externalRunning, !isData || session.dataFramesAllowed else { return }
            data(.externalPPP(frame))
            return
        }
        if protocolNumber == PPPProtocolNumber.ipv4 || protocolNumber == PPPProtocolNumber.ipv6 {
            guard session.dataFramesAllowed else { return }
            let packet = UnsafeRawBufferPointer(rebasing: frame[headerLength...])
            if protocolNumber == PPPProtocolNumber.ipv4 {
                if ipv4Open { data(.ipv4(packet)) }
            } else if ipv6Open {
                data(.ipv6(packet))
            }
            return
        }
        guard var ppp = engine else { return }
        let pppActions = ppp.handle(.frame(Array(frame)), now: now)
        engine = ppp
        map(pppActions, now: now, &actions)
    }

    /// The PPP protocol number an outbound IP packet of this version goes
    /// with, or nil when it must be dropped (call not connected, NCP not open).
    func outboundProtocol(ipVersion: UInt8) -> UInt16? {
        guard end == nil, session.dataFramesAllowed else { return nil }
        switch ipVersion {
        case 4: return ipv4Open ? PPPProtocolNumber.ipv4 : nil
        case 6: return ipv6Open ? PPPProtocolNumber.ipv6 : nil
        default: return nil
        }
    }

    mutating func start(now: Duration) -> [CallAction] {
        guard end == nil else { return [] }
        var actions: [CallAction] = []
        map(session.start(now: now), now: now, &actions)
        return actions
    }

    mutating func timerExpired(_ timer: CallTimer, now: Duration) -> [CallAction] {
        guard end == nil else { return [] }
        var actions: [CallAction] = []
        switch timer {
        case .sstp(let t):
            map(session.timerExpired(t, now: now), now: now, &actions)
        case .ppp(let t):
            guard var ppp = engine else { return [] }
            let pppActions = ppp.handle(.timerExpired(t), now: now)
            engine = ppp
            map(pppActions, now: now, &actions)
        case .disconnectGrace:
            map(session.disconnect(now: now), now: now, &actions)
        case .externalExit:
            // The external backend did not exit in time: end without it.
            if let reason = pendingClose { ended(reason, &actions) }
        }
        return actions
    }

    mutating func transportClosed(_ detail: String, now: Duration) -> [CallAction] {
        guard end == nil else { return [] }
        var actions: [CallAction] = []
        map(session.transportClosed(detail), now: now, &actions)
        return actions
    }

    mutating func sessionActions(_ sstp: [SSTPAction], now: Duration) -> [CallAction] {
        var actions: [CallAction] = []
        map(sstp, now: now, &actions)
        return actions
    }

    mutating func pppActions(_ ppp: [PPPAction], now: Duration) -> [CallAction] {
        var actions: [CallAction] = []
        map(ppp, now: now, &actions)
        return actions
    }

    /// An event for the built-in engine from outside the wire (the EAP
    /// authentication server's answer).
    mutating func engineEvent(_ event: PPPEvent, now: Duration) -> [CallAction] {
        guard end == nil, var ppp = engine else { return [] }
        let pppActions = ppp.handle(event, now: now)
        engine = ppp
        var actions: [CallAction] = []
        map(pppActions, now: now, &actions)
        return actions
    }

    mutating func externalFinished(_ failure: PPPFailure?, now: Duration) -> [CallAction] {
        guard externalPPP, externalRunning else { return [] }
        externalRunning = false
        if pppFailure == nil, let failure, failure != .closedLocally, failure != .lowerLayerDown {
            pppFailure = failure
        }
        var actions: [CallAction] = []
        if let reason = pendingClose {
            actions.append(.cancelTimer(.externalExit))
            ended(reason, &actions)
        } else if end == nil {
            map(session.pppFinished(now: now), now: now, &actions)
        }
        return actions
    }

    mutating func externalNetwork(ipv4: Bool, open: Bool) {
        if ipv4 { ipv4Open = open } else { ipv6Open = open }
    }

    // MARK: Mapping the machines' actions

    mutating func map(_ sstp: [SSTPAction], now: Duration, _ actions: inout [CallAction]) {
        for action in sstp {
            guard end == nil, pendingClose == nil else { return }
            switch action {
            case .send(let bytes):
                actions.append(.send(bytes))
            case .setTimer(let timer, let deadline):
                actions.append(.setTimer(.sstp(timer), deadline: deadline))
            case .cancelTimer(let timer):
                actions.append(.cancelTimer(.sstp(timer)))
            case .startPPP:
                actions.append(.progress(.sstpNegotiated))
                if externalPPP {
                    externalRunning = true
                    actions.append(.startExternalPPP)
                } else if var ppp = engine {
                    let pppActions = ppp.handle(.lowerUp, now: now)
                    engine = ppp
                    map(pppActions, now: now, &actions)
                } else {
                    // The server's driver supplies the engine (it picks the
                    // peer's address) on `.sstpNegotiated`.
                }
            case .callConnected:
                actions.append(.progress(.callConnected))
                if externalPPP { actions.append(.externalCallConnected) }
            case .close(let reason):
                close(reason, now: now, &actions)
            case .log(let line):
                actions.append(.log(line))
            }
        }
    }

    mutating func map(_ ppp: [PPPAction], now: Duration, _ actions: inout [CallAction]) {
        for action in ppp {
            guard end == nil else { return }
            switch action {
            case .send(let frame):
                // MS-SSTP 2.2.3: one PPP frame per SSTP data packet.
                guard frame.count <= SSTPDataPacket.maximumPayloadLength else {
                    actions.append(.log("PPP: a \(frame.count)-byte frame does not fit one SSTP packet; dropped"))
                    continue
                }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(frame.count + sstpPacketHeaderLength)
                SSTPDataPacket.appendHeader(payloadLength: frame.count, to: &bytes)
                bytes += frame
                actions.append(.send(bytes))
            case .setTimer(let timer, let deadline):
                actions.append(.setTimer(.ppp(timer), deadline: deadline))
            case .cancelTimer(let timer):
                actions.append(.cancelTimer(.ppp(timer)))
            case .phase(let phase):
                actions.append(.progress(.pppPhase(phase)))
            case .authenticated(let result):
                actions.append(.progress(.authenticated(result)))
                map(
                    session.pppAuthenticated(hlak: result.higherLayerAuthenticationKey, now: now), now: now,
                    &actions)
            case .ipv4Up(let config):
                ipv4Open = true
                actions.append(.ipv4Up(config))
            case .ipv4Down:
                ipv4Open = false
                actions.append(.ipv4Down)
            case .ipv6Up(let config):
                ipv6Open = true
                actions.append(.ipv6Up(config))
            case .ipv6Down:
                ipv6Open = false
                actions.append(.ipv6Down)
            case .linkDown(let failure):
                // Our own Close and SSTP's going away are not PPP's failures.
                if failure != .closedLocally && failure != .lowerLayerDown { pppFailure = failure }
                if pppFailure == nil, failure == .lowerLayerDown { break }
                map(session.pppFinished(now: now), now: now, &actions)
            case .log(let line):
                actions.append(.log(line))
            case .warning(let line):
                actions.append(.warning(line))
            case .eapToBackend(let packet):
                actions.append(.eapToBackend(packet))
            }
        }
    }

    /// SSTP closed the call (3.1.7.2): PPP's lower layer is gone.
    private mutating func close(_ reason: SSTPCloseReason, now: Duration, _ actions: inout [CallAction]) {
        ipv4Open = false
        ipv6Open = false
        if externalPPP, externalRunning {
            pendingClose = reason
            actions.append(.externalLowerDown)
            actions.append(.setTimer(.externalExit, deadline: now + .seconds(6)))
            return
        }
        if var ppp = engine, !ppp.isFinished {
            let pppActions = ppp.handle(.lowerDown, now: now)
            engine = ppp
            // Only the timer cancellations matter now: nothing more is sent.
            for case .cancelTimer(let timer) in pppActions { actions.append(.cancelTimer(.ppp(timer))) }
            for case .linkDown(let failure) in pppActions
            where pppFailure == nil && failure != .closedLocally && failure != .lowerLayerDown {
                pppFailure = failure
            }
        }
        ended(reason, &actions)
    }

    private mutating func ended(_ reason: SSTPCloseReason, _ actions: inout [CallAction]) {
        guard end == nil else { return }
        pendingClose = nil
        let result = CallEnd(sstp: reason, ppp: pppFailure, requested: requested)
        end = result
        actions.append(.ended(result))
    }
}
