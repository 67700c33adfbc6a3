/// The server side of EAP (RFC 3748): Identity, then EAP-MSCHAPv2
/// (draft-kamath-pppext-eap-mschapv2) with Success or Failure.
struct EAPAuthenticator: AuthenticationSession {
    let protocolNumber = PPPProtocolNumber.eap
    let configuration: PPPServerConfiguration
    let limits: PPPNegotiationLimits
    let random: any PPPRandomSource

    private enum Stage: Hashable, Sendable {
        case identity
        case challenge([UInt8])
        case success(PPPAuthenticationResult)
        case failure(String)
        case done
    }

    private var stage = Stage.identity
    private var identifier: UInt8 = 0
    private var retransmission: EAPRequestRetransmission

    init(
        configuration: PPPServerConfiguration, limits: PPPNegotiationLimits,
        random: any PPPRandomSource
    ) {
        self.configuration = configuration
        self.limits = limits
        self.random = random
        retransmission = EAPRequestRetransmission(limits: limits)
    }

    mutating func start(now: Duration) -> [AuthenticationOutput] {
        identifier = random.bytes(1).first ?? 1
        return sendRequest([EAPType.identity], now: now) + [.log("EAP: sent Request/Identity")]
    }

    /// A new Request with a new Identifier (RFC 3748 §4.1).
    private mutating func sendRequest(_ data: [UInt8], now: Duration) -> [AuthenticationOutput] {
        identifier &+= 1
        return retransmission.send(
            PPPControlPacket.serialize(code: EAPCode.request, identifier: identifier, data: data), now: now)
    }

    mutating func retransmitTimerExpired(now: Duration) -> [AuthenticationOutput] {
        guard stage != .done else { return [] }
        let (actions, gaveUp) = retransmission.timerExpired(now: now)
        if gaveUp { stage = .done }
        return actions
    }

    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput] {
        // RFC 3748 §4.1: a Response must match the outstanding Request.
        guard packet.code == EAPCode.response, packet.identifier == identifier, stage != .done
        else {
            return [.log("EAP: ignored code \(packet.code) id \(packet.identifier)")]
        }
        guard let type = packet.data.first else {
            return [.log("EAP: dropped a Response without a Type")]
        }
        let typeData = packet.data.dropFirst()
        switch (stage, type) {
        case (.identity, EAPType.identity):
            let identity = printable(typeData)
            let challenge = random.bytes(MSCHAPv2Exchange.challengeLength)
            stage = .challenge(challenge)
            let body = CHAPChallengeOrResponse(
                value: challenge, name: Array(configuration.name.utf8)
            ).data
            let inner = EAPMSCHAPv2Packet(
                opCode: EAPMSCHAPv2OpCode.challenge, msIdentifier: identifier &+ 1, body: body)
            return sendRequest(inner.typeAndData, now: now) + [
                .log("EAP: identity \(identity); sent EAP-MSCHAPv2 Challenge")
            ]
        case (_, EAPType.nak):
            // RFC 3748 §5.3.1: the peer wants another method; we have none.
            stage = .done
            return [
                .cancelTimer,
                .send(
                    PPPControlPacket.serialize(
                        code: EAPCode.failure, identifier: packet.identifier, data: [])),
                .failed(
                    .negotiationFailed("the client Nak'd EAP-MSCHAPv2, the only EAP method offered")
                ),
            ]
        case (.challenge(let challenge), EAPType.mschapv2):
            return receiveMSCHAPv2Response(typeData, challenge: challenge, now: now)
        case (.success(let result), EAPType.mschapv2):
            // draft-kamath §2.4: the Success Response; EAP Success copies
            // its Identifier (RFC 3748 §4.2).
            stage = .done
            return [
                .cancelTimer,
                .send(
                    PPPControlPacket.serialize(
                        code: EAPCode.success, identifier: packet.identifier, data: [])),
                .log("EAP: user \(result.userName ?? "") authenticated with EAP-MSCHAPv2"),
                .succeeded(result),
            ]
        case (.failure(let reason), EAPType.mschapv2):
            stage = .done
            return [
                .cancelTimer,
                .send(
                    PPPControlPacket.serialize(
                        code: EAPCode.failure, identifier: packet.identifier, data: [])),
                .failed(.authenticationFailed(message: "EAP-MSCHAPv2 " + reason)),
            ]
        default:
            return [.log("EAP: ignored a Response of type \(type)")]
        }
    }

    private mutating func receiveMSCHAPv2Response(
        _ typeData: ArraySlice<UInt8>, challenge: [UInt8], now: Duration
    ) -> [AuthenticationOutput] {
        let response: CHAPChallengeOrResponse
        let value: MSCHAPv2ResponseValue
        do {
            let inner = try EAPMSCHAPv2Packet(parsing: typeData)
            guard inner.opCode == EAPMSCHAPv2OpCode.response else {
                return [.log("EAP: ignored EAP-MSCHAPv2 OpCode \(inner.opCode)")]
            }
            response = try CHAPChallengeOrResponse(parsing: inner.body[...])
            value = try MSCHAPv2ResponseValue(parsing: response.value, protocolName: "EAP-MSCHAPv2")
        } catch {
            return [.log("EAP: dropped a malformed EAP-MSCHAPv2 Response: \(error)")]
        }
        let user = String(decoding: response.name, as: UTF8.self)
        switch MSCHAPv2Exchange.verify(
            response: value, challenge: challenge, userName: user,
            password: configuration.password(for: user))
        {
        case .success(.success(let message, let keys)):
            stage = .success(.server(.eapMSCHAPv2, userName: user, keys: keys))
            let inner = EAPMSCHAPv2Packet(
                opCode: EAPMSCHAPv2OpCode.success, msIdentifier: identifier,
                body: Array(message.utf8))
            return sendRequest(inner.typeAndData, now: now) + [
                .log("EAP: sent EAP-MSCHAPv2 Success-Request")
            ]
        case .success(.failure(let message, let reason)):
            stage = .failure(printable(Array(reason.utf8)))
            let inner = EAPMSCHAPv2Packet(
                opCode: EAPMSCHAPv2OpCode.failure, msIdentifier: identifier,
                body: Array(message.utf8))
            return sendRequest(inner.typeAndData, now: now) + [
                .log("EAP: sent EAP-MSCHAPv2 Failure-Request")
            ]
        case .failure(let failure):
            stage = .done
            return [.cancelTimer, .failed(failure)]
        }
    }
}
