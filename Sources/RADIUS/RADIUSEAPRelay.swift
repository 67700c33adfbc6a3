/// A pass-through EAP authenticator (RFC 3579 §2, RFC 3748 §2.3): the NAS
/// side that carries each EAP Response from the PPP peer to a RADIUS server
/// in an Access-Request and each EAP Request back out of the
/// Access-Challenge, until Access-Accept (with the MS-MPPE keys, RFC 2548)
/// or Access-Reject. A value; the caller owns the UDP socket and the clock.
public struct RADIUSEAPRelay: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var secret: [UInt8]
        public var nasIdentifier: String
        /// Framed-MTU (RFC 3579 §2.4): the largest EAP packet the NAS's
        /// link carries, here the PPP link's MRU.
        public var framedMTU: UInt32
        /// RFC 2865 §2.4-§2.5 leave the retransmission policy to the NAS
        /// (RFC 5080 §2.2 discusses it): a few seconds apart, a few times.
        public var retransmitInterval: Duration
        public var maxRetransmissions: Int

        public init(
            secret: [UInt8], nasIdentifier: String, framedMTU: UInt32,
            retransmitInterval: Duration = .seconds(3), maxRetransmissions: Int = 3
        ) {
            self.secret = secret
            self.nasIdentifier = nasIdentifier
            self.framedMTU = framedMTU
            self.retransmitInterval = retransmitInterval
            self.maxRetransmissions = maxRetransmissions
        }
    }

    public enum Event: Hashable, Sendable {
        /// An EAP Response from the peer (Code onward), with 16 fresh random
        /// bytes for the Access-Request's Request Authenticator (RFC 2865 §3:
        /// "unpredictable and unique").
        case eapResponse([UInt8], authenticator: [UInt8])
        /// A UDP datagram from the RADIUS server.
        case radiusDatagram([UInt8])
        /// The retransmission timer fired.
        case timerFired
    }

    public enum Action: Hashable, Sendable {
        case sendToRADIUS([UInt8])
        /// An EAP packet for the peer (Code onward).
        case sendToPeer([UInt8])
        case setTimer(Duration)
        case cancelTimer
        /// Access-Accept: the authenticator's MS-MPPE-Recv-Key and
        /// MS-MPPE-Send-Key (MSK = recv | send), nil when the server sent none.
        case accepted(recvKey: [UInt8]?, sendKey: [UInt8]?)
        /// Access-Reject, with the server's Reply-Message if any.
        case rejected(replyMessage: String?)
        /// The RADIUS server never answered.
        case failed(String)
        case log(String)
    }

    public let configuration: Configuration
    private var userName: String?
    private var identifier: UInt8 = 0
    private var outstanding: (identifier: UInt8, authenticator: [UInt8], wire: [UInt8], tries: Int)?
    private var state: [UInt8]?
    private var lastPeerIdentifier: UInt8 = 0
    public private(set) var isFinished = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public mutating func handle(_ event: Event, now: Duration) -> [Action] {
        guard !isFinished else { return [] }
        switch event {
        case .eapResponse(let packet, let authenticator):
            return forward(packet, authenticator: authenticator, now: now)
        case .radiusDatagram(let bytes):
            return receive(bytes)
        case .timerFired:
            guard var pending = outstanding else { return [] }
            guard pending.tries < configuration.maxRetransmissions else {
                isFinished = true
                return [.failed("the RADIUS server did not answer \(pending.tries + 1) Access-Requests")]
            }
            // RFC 2865 §2.5: a retransmission keeps Identifier and Authenticator.
            pending.tries += 1
            outstanding = pending
            return [.sendToRADIUS(pending.wire), .setTimer(now + configuration.retransmitInterval)]
        }
    }

    private mutating func forward(_ packet: [UInt8], authenticator: [UInt8], now: Duration) -> [Action] {
        guard packet.count >= 5, packet[0] == 2, Int(packet[2]) << 8 | Int(packet[3]) == packet.count else {
            return [.log("RADIUS relay: dropped a malformed EAP Response")]
        }
        lastPeerIdentifier = packet[1]
        // RFC 3579 §2.1: User-Name comes from the peer's EAP-Response/Identity.
        if packet[4] == 1, userName == nil {
            userName = String(decoding: packet[5...], as: UTF8.self)
        }
        identifier &+= 1
        let wire: [UInt8]
        do throws(RADIUSError) {
            wire = try RADIUSEAP.accessRequest(
                identifier: identifier, authenticator: authenticator, userName: userName, eapPacket: packet,
                state: state, nasIdentifier: configuration.nasIdentifier, framedMTU: configuration.framedMTU,
                secret: configuration.secret)
        } catch {
            return [.log("RADIUS relay: could not build the Access-Request: \(error)")]
        }
        outstanding = (identifier, authenticator, wire, 0)
        return [.sendToRADIUS(wire), .setTimer(now + configuration.retransmitInterval)]
    }

    private mutating func receive(_ bytes: [UInt8]) -> [Action] {
        guard let pending = outstanding, bytes.count >= 2, bytes[1] == pending.identifier else {
            return [.log("RADIUS relay: dropped a RADIUS packet that answers no outstanding request")]
        }
        let answer: RADIUSEAP.Answer
        do throws(RADIUSError) {
            answer = try RADIUSEAP.interpret(
                bytes[...], requestAuthenticator: pending.authenticator, secret: configuration.secret)
        } catch {
            // RFC 2865 §3 and RFC 3579 §3.2: an invalid response is silently discarded.
            return [.log("RADIUS relay: dropped a response: \(error)")]
        }
        outstanding = nil
        switch answer {
        case .challenge(let eap, let newState):
            state = newState
            return [.cancelTimer, .sendToPeer(eap)]
        case .accept(let eap, let recvKey, let sendKey):
            isFinished = true
            // RFC 3579 §2.6.3: an Accept without EAP-Message still means Success.
            let success = eap ?? [3, lastPeerIdentifier, 0, 4]
            return [.cancelTimer, .sendToPeer(success), .accepted(recvKey: recvKey, sendKey: sendKey)]
        case .reject(let eap, let reply):
            isFinished = true
            let failure = eap ?? [4, lastPeerIdentifier, 0, 4]
            return [.cancelTimer, .sendToPeer(failure), .rejected(replyMessage: reply)]
        }
    }
}
