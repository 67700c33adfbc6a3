public import SSTPCrypto
public import SSTPWire

/// The server's SSTP state machine (MS-SSTP §3.3), for the bundled test
/// server. It checks the client's crypto binding exactly as §3.3.5.2.3
/// requires and aborts with the spec's status on a mismatch.
public struct SSTPServerSession: Sendable {
    public struct Configuration: Sendable {
        /// Our certificate's DER: the client must have hashed this one.
        public var certificateDER: [UInt8]
        /// §2.2.6: the hash protocols we offer.
        public var offeredHashes: HashProtocolBitmask = [.sha1, .sha256]
        public var timers = SSTPTimerValues()
        /// App. A <2>: after this many NAKs, abort with RETRY_COUNT_EXCEEDED.
        public var maximumNaks = 3
        /// Fault knob: verify the binding against a wrong key, so that a
        /// correct client's binding fails.
        public var expectWrongCryptoBinding = false
        /// Fault knob: never answer ECHO_REQUEST.
        public var ignoreEchoRequests = false

        public init(certificateDER: [UInt8]) {
            self.certificateDER = certificateDER
        }
    }

    public enum State: Hashable, Sendable {
        case callDisconnected
        /// ACK sent; PPP runs; waiting for CALL_CONNECTED (§3.3.1.1).
        case callConnectedPending
        case callConnected
        case tearingDown(SSTPTeardownState)
        case closed
    }

    public private(set) var state: State = .callDisconnected
    public let configuration: Configuration
    /// The nonce of our CALL_CONNECT_ACK (32 random bytes, given at start).
    public let nonce: [UInt8]
    /// How the client's binding verified, once it has.
    public private(set) var cryptoBindingVerified = false
    private var naks = 0
    private var hlak: HigherLayerAuthenticationKey?
    private var heldCallConnected: CallConnected?
    private var hello: SSTPHello
    private var teardown: SSTPTeardown

    public init(configuration: Configuration, nonce: [UInt8]) {
        self.configuration = configuration
        self.nonce = nonce
        teardown = SSTPTeardown(timers: configuration.timers)
        hello = SSTPHello(interval: configuration.timers.hello)
    }

    /// §3.3.5.2.3: until a valid CALL_CONNECTED, data frames are discarded.
    public var dataFramesAllowed: Bool { state == .callConnected }

    public mutating func noteReceived(now: Duration) {
        hello.received(at: now)
    }

    /// The 200 was sent: wait for CALL_CONNECT_REQUEST (App. A <12>: 60 s).
    public mutating func start(now: Duration) -> [SSTPAction] {
        hello.received(at: now)
        return [.setTimer(.negotiation, deadline: now + configuration.timers.negotiation)]
    }

    public mutating func receivedControlPacket(_ bytes: [UInt8], now: Duration) -> [SSTPAction] {
        noteReceived(now: now)
        var actions: [SSTPAction] = []
        let message: SSTPControlMessage
        do {
            guard case .control(let m) = try SSTPPacket(parsing: bytes) else { return [] }
            message = m
        } catch {
            invalid(error, bytes: bytes, now: now, &actions)
            return actions
        }
        handle(message, now: now, &actions)
        return actions
    }

    /// An invalid packet: NAK a connect request (§3.3.5.2.2), abort on
    /// anything else (§3.1.5.1, §3.3.5.2.3).
    private mutating func invalid(
        _ error: SSTPWireError, bytes: [UInt8], now: Duration, _ actions: inout [SSTPAction]
    ) {
        switch state {
        case .closed, .tearingDown: return
        default: break
        }
        let type = bytes.count >= 6 ? UInt16(bytes[4]) << 8 | UInt16(bytes[5]) : 0
        if state == .callDisconnected, type == SSTPMessageType.callConnectRequest.rawValue {
            var (id, status) = error.statusInfo
            if case .attributeNotAllowedInMessage(let attribute, _) = error,
                attribute == SSTPAttributeID.statusInfo.rawValue
            {
                (id, status) = (attribute, .statusInfoNotSupportedInMsg)
            }
            nak(StatusInfoAttribute(attribID: id, status: status), now: now, &actions)
            return
        }
        if type == SSTPMessageType.callConnected.rawValue {
            // §3.3.5.2.3: missing or bad attribute.
            abort(
                "invalid CALL_CONNECTED: \(error)",
                status: StatusInfoAttribute(
                    attribID: SSTPAttributeID.statusInfo.rawValue, status: .attribNotSupportedInMsg),
                now: now, &actions)
            return
        }
        let (id, status) = error.statusInfo
        abort(
            "invalid control packet: \(error)", status: StatusInfoAttribute(attribID: id, status: status),
            now: now, &actions)
    }

    private mutating func handle(_ message: SSTPControlMessage, now: Duration, _ actions: inout [SSTPAction]) {
        switch state {
        case .closed:
            return
        case .tearingDown(let t):
            state = teardown.received(message, in: t, now: now, actions: &actions).map(State.tearingDown) ?? .closed
            return
        default:
            break
        }
        switch message {
        case .callConnectRequest(let request) where state == .callDisconnected:
            guard request.encapsulatedProtocol.isPPP else {
                // §3.3.5.2.2: a protocol other than PPP.
                var value: [UInt8] = []
                value.append(UInt8(request.encapsulatedProtocol.protocolID >> 8))
                value.append(UInt8(request.encapsulatedProtocol.protocolID & 0xff))
                nak(
                    StatusInfoAttribute(
                        attribID: SSTPAttributeID.encapsulatedProtocolID.rawValue, status: .valueNotSupported,
                        attribValue: value), now: now, &actions)
                return
            }
            let ack = CallConnectAck(
                cryptoBindingRequest: CryptoBindingRequestAttribute(
                    hashProtocols: configuration.offeredHashes, nonce: nonce))
            state = .callConnectedPending
            actions.append(.send(ack.serialized()))
            actions.append(.cancelTimer(.negotiation))
            actions.append(.setTimer(.negotiation, deadline: now + configuration.timers.negotiation))
            actions.append(.log("SSTP: CALL_CONNECT_REQUEST accepted, CALL_CONNECT_ACK sent"))
            actions.append(.startPPP)
        case .callConnected(let connected) where state == .callConnectedPending:
            if hlak == nil {
                // PPP authentication has not finished on our side yet: check
                // the binding as soon as it has.
                heldCallConnected = connected
                actions.append(.log("SSTP: CALL_CONNECTED before our PPP authentication ended; held"))
                return
            }
            verify(connected, now: now, &actions)
        case .echoRequest where state == .callConnected || state == .callConnectedPending:
            if !configuration.ignoreEchoRequests {
                actions.append(.send(EchoResponse().serialized()))
            }
        case .echoResponse where state == .callConnected || state == .callConnectedPending:
            break
        case .callAbort(let abort):
            state = .tearingDown(teardown.peerAborted(.abortedByPeer(abort.statusInfo), now: now, actions: &actions))
        case .callDisconnect:
            state = .tearingDown(teardown.peerDisconnected(now: now, actions: &actions))
        default:
            abort(
                "unexpected \(message.messageType.specName) in state \(state)",
                status: StatusInfoAttribute(attribID: 0, status: .unacceptedFrameReceived), now: now, &actions)
        }
    }

    /// PPP authentication succeeded on our side; keep the HLAK for the check.
    public mutating func pppAuthenticated(hlak: HigherLayerAuthenticationKey, now: Duration) -> [SSTPAction] {
        var key = hlak
        if configuration.expectWrongCryptoBinding {
            var bytes = hlak.bytes
            bytes[0] ^= 0x5a
            key = HigherLayerAuthenticationKey(keyMaterial: bytes)
        }
        self.hlak = key
        var actions: [SSTPAction] = []
        if let held = heldCallConnected, state == .callConnectedPending {
            heldCallConnected = nil
            verify(held, now: now, &actions)
        }
        return actions
    }

    /// §3.3.5.2.3, in its order: the hash offered, the nonce, our
    /// certificate's hash, the Compound MAC.
    private mutating func verify(_ message: CallConnected, now: Duration, _ actions: inout [SSTPAction]) {
        guard let hlak else { return }
        let bindingStatus = StatusInfoAttribute(
            attribID: SSTPAttributeID.cryptoBinding.rawValue, status: .valueNotSupported)
        do {
            if let mismatch = try CryptoBinding.verify(
                message, offered: configuration.offeredHashes, nonce: nonce,
                certificateDER: configuration.certificateDER, hlak: hlak)
            {
                abort("crypto binding is invalid: \(mismatch)", status: bindingStatus, now: now, &actions)
                return
            }
        } catch {
            abort("crypto binding could not be checked: \(error)", status: bindingStatus, now: now, &actions)
            return
        }
        cryptoBindingVerified = true
        state = .callConnected
        actions.append(.cancelTimer(.negotiation))
        actions.append(.setTimer(.hello, deadline: now + configuration.timers.hello))
        actions.append(.log("SSTP: crypto binding is valid (\(message.cryptoBinding.hashProtocol)); call connected"))
        actions.append(.callConnected)
    }

    /// Aborts the call (§3.1.5.1) for a reason the server decides: a full
    /// address pool, or a fault knob of the test server.
    public mutating func abort(
        _ why: String, status: SSTPStatus = .invalidFrameReceived, now: Duration
    ) -> [SSTPAction] {
        switch state {
        case .closed, .tearingDown: return []
        default: break
        }
        var actions: [SSTPAction] = []
        abort(why, status: StatusInfoAttribute(attribID: 0, status: status), now: now, &actions)
        return actions
    }

    public mutating func pppFinished(now: Duration) -> [SSTPAction] {
        disconnect(now: now)
    }

    public mutating func disconnect(now: Duration) -> [SSTPAction] {
        switch state {
        case .closed, .tearingDown:
            return []
        default:
            var actions: [SSTPAction] = []
            state = .tearingDown(teardown.disconnect(now: now, actions: &actions))
            return actions
        }
    }

    public mutating func transportClosed(_ detail: String) -> [SSTPAction] {
        guard state != .closed else { return [] }
        let tearingDown = if case .tearingDown = state { true } else { false }
        state = .closed
        return [.close(teardown.transportClosedReason(detail, tearingDown: tearingDown))]
    }

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
        case (.callDisconnected, .negotiation):
            abort(
                "no CALL_CONNECT_REQUEST in time",
                status: StatusInfoAttribute(attribID: 0, status: .negotiationTimeout),
                reason: .negotiationTimeout("CALL_CONNECT_REQUEST"), now: now, &actions)
        case (.callConnectedPending, .negotiation):
            abort(
                "no CALL_CONNECTED in time",
                status: StatusInfoAttribute(attribID: 0, status: .negotiationTimeout),
                reason: .negotiationTimeout("CALL_CONNECTED"), now: now, &actions)
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

    private mutating func nak(_ status: StatusInfoAttribute, now: Duration, _ actions: inout [SSTPAction]) {
        naks += 1
        if naks > configuration.maximumNaks {
            abort(
                "too many invalid CALL_CONNECT_REQUESTs",
                status: StatusInfoAttribute(attribID: 0, status: .retryCountExceeded), now: now, &actions)
            return
        }
        actions.append(.send(CallConnectNak(statusInfos: [status]).serialized()))
        actions.append(.log("SSTP: CALL_CONNECT_NAK sent: \(status)"))
    }

    private mutating func abort(
        _ why: String, status: StatusInfoAttribute?, reason: SSTPCloseReason? = nil, now: Duration,
        _ actions: inout [SSTPAction]
    ) {
        state = .tearingDown(teardown.abort(why, status: status, reason: reason, now: now, actions: &actions))
    }
}
