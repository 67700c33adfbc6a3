public import SSTPCrypto
public import SSTPWire

/// The client's SSTP state machine (MS-SSTP §3.2). Pure: packets, PPP
/// results and timer expiries in, actions out. PPP data frames do not pass
/// through it; `dataFramesAllowed` tells the I/O layer when they may flow.
public struct SSTPClientSession: Sendable {
    public struct Configuration: Sendable {
        /// The server certificate's DER, exactly the one TLS verified: the
        /// crypto binding hashes it (§3.2.5.2.2).
        public var certificateDER: [UInt8]
        /// Hash protocols we accept for the binding.
        public var supportedHashes: HashProtocolBitmask = [.sha1, .sha256]
        public var timers = SSTPTimerValues()
        /// CALL_CONNECT_REQUEST is resent after a NAK this many times (App. A <10>: 3).
        public var maximumNakRetries = 3
        /// Tests only: send a crypto binding with a wrong Compound MAC, to
        /// show that a verifying server aborts.
        public var corruptCryptoBinding = false

        public init(certificateDER: [UInt8]) {
            self.certificateDER = certificateDER
        }
    }

    /// §3.2.1.1's client states, and the shared teardown states.
    public enum State: Hashable, Sendable {
        case callDisconnected
        case connectRequestSent
        case connectAckReceived
        case callConnected
        case tearingDown(SSTPTeardownState)
        case closed
    }

    public private(set) var state: State = .callDisconnected
    public let configuration: Configuration
    /// The hash protocol chosen from the server's offer.
    public private(set) var hashProtocol: CertHashProtocol?
    private var nonce: [UInt8] = []
    private var naks = 0
    private var hello: SSTPHello
    private var teardown: SSTPTeardown

    public init(configuration: Configuration) {
        self.configuration = configuration
        teardown = SSTPTeardown(timers: configuration.timers)
        hello = SSTPHello(interval: configuration.timers.hello)
    }

    /// §3.2.5.2: before CALL_CONNECTED only PPP control frames may pass.
    public var dataFramesAllowed: Bool { state == .callConnected }

    /// Any received packet, data included, restarts the hello timer (§3.1.2).
    /// Cheap enough for the data path: it stores one value.
    public mutating func noteReceived(now: Duration) {
        hello.received(at: now)
    }

    /// HTTP 200 received: send CALL_CONNECT_REQUEST (§3.2.5.1).
    public mutating func start(now: Duration) -> [SSTPAction] {
        guard state == .callDisconnected else { return [] }
        hello.received(at: now)
        state = .connectRequestSent
        return [
            .send(CallConnectRequest().serialized()),
            .setTimer(.negotiation, deadline: now + configuration.timers.negotiation),
            .log("SSTP: sent CALL_CONNECT_REQUEST"),
        ]
    }

    /// A whole control packet from the deframer.
    public mutating func receivedControlPacket(_ bytes: [UInt8], now: Duration) -> [SSTPAction] {
        noteReceived(now: now)
        var actions: [SSTPAction] = []
        let message: SSTPControlMessage
        do {
            guard case .control(let m) = try SSTPPacket(parsing: bytes) else { return [] }
            message = m
        } catch {
            // §3.1.5.1: a packet that delineates but is invalid: abort.
            if case .tearingDown = state { return [] }
            if state == .closed { return [] }
            let (id, status) = error.statusInfo
            abort(
                "invalid control packet from the server: \(error)",
                status: StatusInfoAttribute(attribID: id, status: status), now: now, &actions)
            return actions
        }
        handle(message, now: now, &actions)
        return actions
    }

    private mutating func handle(_ message: SSTPControlMessage, now: Duration, _ actions: inout [SSTPAction]) {
        switch state {
        case .closed, .callDisconnected:
            return
        case .tearingDown(let t):
            state = teardown.received(message, in: t, now: now, actions: &actions).map(State.tearingDown) ?? .closed
            return
        default:
            break
        }
        switch message {
        case .callConnectAck(let ack) where state == .connectRequestSent:
            // §3.2.5.3.2: a bit must be set that we support; SHA-256 wins.
            guard let chosen = ack.cryptoBindingRequest.preferredProtocol(supported: configuration.supportedHashes)
            else {
                abort(
                    "the server offers no crypto-binding hash this client supports "
                        + "(bitmask 0x\(String(ack.cryptoBindingRequest.hashProtocols.rawValue, radix: 16)))",
                    status: StatusInfoAttribute(
                        attribID: SSTPAttributeID.cryptoBindingRequest.rawValue, status: .valueNotSupported),
                    now: now, &actions)
                return
            }
            hashProtocol = chosen
            nonce = ack.cryptoBindingRequest.nonce
            state = .connectAckReceived
            actions.append(.cancelTimer(.negotiation))
            actions.append(.setTimer(.negotiation, deadline: now + configuration.timers.negotiation))
            actions.append(.log("SSTP: CALL_CONNECT_ACK received, crypto binding with \(chosen)"))
            actions.append(.startPPP)
        case .callConnectNak(let nak) where state == .connectRequestSent:
            naks += 1
            let statuses = nak.statusInfos.map(\.description).joined(separator: ", ")
            guard naks <= configuration.maximumNakRetries else {
                abort(
                    "CALL_CONNECT_NAK \(naks) times",
                    status: StatusInfoAttribute(attribID: 0, status: .retryCountExceeded),
                    reason: .connectRefused(nak.statusInfos), now: now, &actions)
                return
            }
            actions.append(.log("SSTP: CALL_CONNECT_NAK [\(statuses)], retrying (\(naks))"))
            actions.append(.send(CallConnectRequest().serialized()))
            actions.append(.cancelTimer(.negotiation))
            actions.append(.setTimer(.negotiation, deadline: now + configuration.timers.negotiation))
        case .echoRequest where state == .callConnected || state == .connectAckReceived:
            // §3.2.5.3: answer in Call Connected. SoftEther sends its first
            // echo right after authentication, which may reach us before our
            // CALL_CONNECTED is out; answering is harmless, so we do.
            actions.append(.send(EchoResponse().serialized()))
        case .echoResponse where state == .callConnected || state == .connectAckReceived:
            break
        case .callAbort(let abort):
            let info = abort.statusInfo
            let reason: SSTPCloseReason =
                if let info, info.attribID == SSTPAttributeID.cryptoBinding.rawValue {
                    .cryptoBindingRejected(info)
                } else {
                    .abortedByPeer(info)
                }
            actions.append(.log("SSTP: the server aborted: \(message)"))
            state = .tearingDown(teardown.peerAborted(reason, now: now, actions: &actions))
        case .callDisconnect:
            actions.append(.log("SSTP: the server disconnected"))
            state = .tearingDown(teardown.peerDisconnected(now: now, actions: &actions))
        default:
            // Anything else here breaks §3.2.5.3's table: abort.
            abort(
                "unexpected \(message.messageType.specName) in state \(state)",
                status: StatusInfoAttribute(attribID: 0, status: .unacceptedFrameReceived), now: now, &actions)
        }
    }

    /// PPP authentication succeeded ("Inner Authentication Completed",
    /// §3.2.5.2): send CALL_CONNECTED with the crypto binding.
    public mutating func pppAuthenticated(hlak: HigherLayerAuthenticationKey, now: Duration) -> [SSTPAction] {
        guard state == .connectAckReceived, let proto = hashProtocol else { return [] }
        var actions: [SSTPAction] = []
        do {
            var message = try CryptoBinding.callConnected(
                nonce: nonce, hashProtocol: proto, certificateDER: configuration.certificateDER, hlak: hlak)
            if configuration.corruptCryptoBinding, !message.cryptoBinding.compoundMAC.isEmpty {
                message.cryptoBinding.compoundMAC[0] ^= 0xff
                actions.append(.log("SSTP: test switch: sending a deliberately wrong crypto binding"))
            }
            actions.append(.send(message.serialized()))
        } catch {
            abort(
                "could not compute the crypto binding: \(error)",
                status: StatusInfoAttribute(attribID: 0, status: .invalidFrameReceived), now: now, &actions)
            return actions
        }
        state = .callConnected
        actions.append(.cancelTimer(.negotiation))
        actions.append(.setTimer(.hello, deadline: now + configuration.timers.hello))
        actions.append(.log("SSTP: sent CALL_CONNECTED (crypto binding, \(proto))"))
        actions.append(.callConnected)
        return actions
    }

    /// PPP ended (terminated, or failed): end the call normally.
    public mutating func pppFinished(now: Duration) -> [SSTPAction] {
        disconnect(now: now)
    }

    /// The user asks to disconnect (§3.2.4.2).
    public mutating func disconnect(now: Duration) -> [SSTPAction] {
        switch state {
        case .callDisconnected:
            state = .closed
            return [.close(.disconnectedLocally)]
        case .closed, .tearingDown:
            return []
        default:
            var actions: [SSTPAction] = []
            state = .tearingDown(teardown.disconnect(now: now, actions: &actions))
            return actions
        }
    }

    /// TLS or TCP failed: clean up at once and send nothing (§3.1.7.2).
    public mutating func transportClosed(_ detail: String) -> [SSTPAction] {
        guard state != .closed else { return [] }
        let tearingDown = if case .tearingDown = state { true } else { false }
        state = .closed
        return [.close(teardown.transportClosedReason(detail, tearingDown: tearingDown))]
    }

    /// The delineation of the stream failed (§3.1.5.1): drop, send nothing.
    public mutating func delineationFailed(_ error: SSTPWireError) -> [SSTPAction] {
        guard state != .closed else { return [] }
        state = .closed
        return [.close(.delineationFailed(error))]
    }

    public mutating func timerExpired(_ timer: SSTPTimer, now: Duration) -> [SSTPAction] {
        var actions: [SSTPAction] = []
        switch (state, timer) {
        case (.tearingDown(let t), _):
            state = teardown.timerExpired(timer, in: t, actions: &actions).map(State.tearingDown) ?? .closed
        case (.connectRequestSent, .negotiation):
            abort(
                "no CALL_CONNECT_ACK in time", status: StatusInfoAttribute(attribID: 0, status: .negotiationTimeout),
                reason: .negotiationTimeout("CALL_CONNECT_ACK"), now: now, &actions)
        case (.connectAckReceived, .negotiation):
            abort(
                "PPP authentication did not finish in time",
                status: StatusInfoAttribute(attribID: 0, status: .negotiationTimeout),
                reason: .negotiationTimeout("PPP authentication"), now: now, &actions)
        case (.callConnected, .hello):
            if case .peerGone = hello.expired(now: now, actions: &actions) {
                state = .closed
                actions.append(.close(.peerNotResponding))
            }
        default:
            break
        }
        return actions
    }

    private mutating func abort(
        _ why: String, status: StatusInfoAttribute?, reason: SSTPCloseReason? = nil, now: Duration,
        _ actions: inout [SSTPAction]
    ) {
        state = .tearingDown(teardown.abort(why, status: status, reason: reason, now: now, actions: &actions))
    }
}
