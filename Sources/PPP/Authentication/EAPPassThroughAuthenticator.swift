import SSTPCrypto

/// The server side of EAP in pass-through mode (RFC 3748 §2.3, RFC 3579
/// §2): the authenticator asks for the Identity itself (§2.1), then every
/// EAP Response of the peer goes to the authentication server
/// (`.toBackend`) and every Request the server sends back goes to the
/// peer, until the server accepts or rejects. The authenticator keeps
/// retransmitting its current Request to the peer (RFC 3748 §4.3); the
/// relay to the server retransmits on its own.
struct EAPPassThroughAuthenticator: AuthenticationSession {
    let protocolNumber = PPPProtocolNumber.eap
    let passThrough: EAPPassThrough
    let limits: PPPNegotiationLimits
    let random: any PPPRandomSource

    private var identifier: UInt8 = 0
    private var retransmission: EAPRequestRetransmission
    /// A Response went to the server and its answer is still due.
    private var awaitingBackend = false
    private var identity: String?
    /// The EAP Type of the server's last Request (the method it runs).
    private var methodType: UInt8?
    private var done = false

    init(passThrough: EAPPassThrough, limits: PPPNegotiationLimits, random: any PPPRandomSource) {
        self.passThrough = passThrough
        self.limits = limits
        self.random = random
        retransmission = EAPRequestRetransmission(limits: limits)
    }

    mutating func start(now: Duration) -> [AuthenticationOutput] {
        identifier = random.bytes(1).first ?? 1
        let identityRequest = PPPControlPacket.serialize(
            code: EAPCode.request, identifier: identifier, data: [EAPType.identity])
        return sendRequest(identityRequest, now: now) + [
            .log("EAP: sent Request/Identity; the rest goes through \(passThrough.serverName)")
        ]
    }

    private mutating func sendRequest(_ packet: [UInt8], now: Duration) -> [AuthenticationOutput] {
        retransmission.send(packet, now: now)
    }

    mutating func retransmitTimerExpired(now: Duration) -> [AuthenticationOutput] {
        guard !done, !awaitingBackend else { return [] }
        let (actions, gaveUp) = retransmission.timerExpired(now: now)
        if gaveUp { done = true }
        return actions
    }

    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput] {
        // RFC 3748 §4.1: a Response must match the outstanding Request; one
        // that arrives while the server works on the last is a duplicate.
        guard packet.code == EAPCode.response, packet.identifier == identifier, !done, !awaitingBackend
        else {
            return [.log("EAP: ignored code \(packet.code) id \(packet.identifier)")]
        }
        if identity == nil, packet.data.first == EAPType.identity {
            identity = printable(packet.data.dropFirst())
        }
        awaitingBackend = true
        return [.cancelTimer, .toBackend(packet.serialized())]
    }

    mutating func backendAnswered(_ answer: EAPBackendAnswer, now: Duration) -> [AuthenticationOutput] {
        guard !done, awaitingBackend else {
            return [.log("EAP: ignored an answer of \(passThrough.serverName) that no Response asked for")]
        }
        awaitingBackend = false
        switch answer {
        case .request(let eap):
            // RFC 3748 §4: Code 1, Length the packet's own size.
            guard eap.count >= 5, eap[0] == EAPCode.request, Int(eap[2]) << 8 | Int(eap[3]) == eap.count else {
                done = true
                return [
                    .send(Self.failure(identifier: identifier)),
                    .failed(.negotiationFailed("\(passThrough.serverName) sent a malformed EAP Request")),
                ]
            }
            identifier = eap[1]
            var out: [AuthenticationOutput] = []
            if methodType != eap[4] {
                methodType = eap[4]
                out.append(.log("EAP: \(passThrough.serverName) runs \(Self.typeName(eap[4]))"))
            }
            return sendRequest(eap, now: now) + out
        case .accept(let eap, let recvKey, let sendKey):
            done = true
            // RFC 3579 §2.6.3: an Access-Accept without EAP-Message still
            // means Success; RFC 3748 §4.2: its Identifier is the Response's.
            let success = eap.flatMap { $0.first == EAPCode.success ? $0 : nil } ?? Self.success(identifier: identifier)
            let method = Self.typeName(methodType)
            var out: [AuthenticationOutput] = [.send(success)]
            let hlak: HigherLayerAuthenticationKey
            if let recvKey, let sendKey {
                hlak = .eapServer(mppeRecvKey: recvKey, mppeSendKey: sendKey, layout: passThrough.keyLayout)
            } else {
                hlak = .zero
                out.append(
                    .log(
                        "EAP: \(passThrough.serverName) sent no MS-MPPE keys: the crypto binding is checked "
                            + "against a zero HLAK"))
            }
            out.append(.log("EAP: \(passThrough.serverName) accepted \(identity ?? "the client") (\(method))"))
            out.append(
                .succeeded(
                    PPPAuthenticationResult(
                        method: .eapMSCHAPv2, userName: identity, mppeKeys: nil,
                        higherLayerAuthenticationKey: hlak)))
            return out
        case .reject(let eap, let reason):
            done = true
            let failure = eap.flatMap { $0.first == EAPCode.failure ? $0 : nil } ?? Self.failure(identifier: identifier)
            let because = reason.map { ": \(printable(Array($0.utf8)))" } ?? ""
            return [
                .send(failure),
                .failed(
                    .authenticationFailed(
                        message: "\(passThrough.serverName) rejected \(identity ?? "the client") "
                            + "(RADIUS Access-Reject, \(Self.typeName(methodType))\(because))")),
            ]
        case .unreachable(let detail):
            done = true
            return [
                .send(Self.failure(identifier: identifier)),
                .failed(.authenticationFailed(message: detail)),
            ]
        }
    }

    static func success(identifier: UInt8) -> [UInt8] {
        PPPControlPacket.serialize(code: EAPCode.success, identifier: identifier, data: [])
    }

    static func failure(identifier: UInt8) -> [UInt8] {
        PPPControlPacket.serialize(code: EAPCode.failure, identifier: identifier, data: [])
    }

    /// A name for an EAP Type (RFC 3748 §5, IANA "EAP Method Types").
    static func typeName(_ type: UInt8?) -> String {
        switch type {
        case nil, EAPType.identity?: "EAP"
        case EAPType.notification?: "EAP Notification"
        case 4?: "EAP-MD5"
        case 13?: "EAP-TLS"
        case 21?: "EAP-TTLS"
        case 25?: "PEAP"
        case EAPType.mschapv2?: "EAP-MSCHAPv2"
        case let other?: "EAP type \(other)"
        }
    }
}
