import SSTPCrypto

/// The client side of EAP (RFC 3748) with Identity and the configured
/// method: EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2), EAP-TLS
/// (RFC 5216) or PEAP (MS-PEAP). Success counts only once the server has
/// proved itself inside the method.
struct EAPAuthenticatee: AuthenticationSession {
    let protocolNumber = PPPProtocolNumber.eap
    let userName: String
    let password: String
    let identity: String
    let random: any PPPRandomSource
    let method: PPPEAPMethod
    let keyLayout: PPPEAPKeyLayout
    /// EAP-TLS or PEAP, made at the method's first Request.
    var tlsSession: EAPTLSMethodSession?

    /// The last Request answered and our Response, resent for a duplicate
    /// (RFC 3748 §4.1: the authenticator retransmits; the peer answers a
    /// duplicate with the same Response).
    private var lastAnswered: (identifier: UInt8, request: [UInt8], response: [UInt8])?
    private var mschap: MSCHAPv2Exchange.PeerState?
    private var verifiedKeys: MPPEKeys?
    private var serverFailure: String?
    var finished = false

    init(
        userName: String, password: String, identity: String, random: any PPPRandomSource,
        method: PPPEAPMethod = .mschapv2, keyLayout: PPPEAPKeyLayout = .truncatedMasterKeys
    ) {
        self.userName = userName
        self.password = password
        self.identity = identity
        self.random = random
        self.method = method
        self.keyLayout = keyLayout
    }

    mutating func start(now: Duration) -> [AuthenticationOutput] {
        [.log("EAP: waiting for the server's Request")]
    }

    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput] {
        guard !finished else { return [] }
        switch packet.code {
        case EAPCode.request:
            return receiveRequest(packet)
        case EAPCode.success:
            if tlsSession != nil {
                return tlsOutputs(identifier: packet.identifier, event: .success)
            }
            finished = true
            guard let keys = verifiedKeys else {
                // Only a server that completed EAP-MSCHAPv2 may say Success:
                // otherwise it has proved nothing, and keys are missing.
                return [
                    .failed(
                        .authenticationFailed(
                            message:
                                "the server sent EAP Success before EAP-MSCHAPv2 proved it knows the password"
                        ))
                ]
            }
            return [
                .log("EAP: authenticated with EAP-MSCHAPv2"),
                .succeeded(.client(.eapMSCHAPv2, userName: userName, keys: keys)),
            ]
        case EAPCode.failure:
            if tlsSession != nil {
                return tlsOutputs(identifier: packet.identifier, event: .failure)
            }
            finished = true
            return [
                .failed(
                    .authenticationFailed(message: serverFailure ?? "the server sent EAP Failure"))
            ]
        default:
            return [.log("EAP: ignored code \(packet.code)")]
        }
    }

    private mutating func receiveRequest(_ packet: PPPControlPacket) -> [AuthenticationOutput] {
        let whole = packet.serialized()
        if let last = lastAnswered, last.identifier == packet.identifier, last.request == whole {
            return [.send(last.response)]
        }
        guard let type = packet.data.first else {
            return [.log("EAP: dropped a Request without a Type")]
        }
        let typeData = packet.data.dropFirst()
        var out: [AuthenticationOutput] = []
        let responseData: [UInt8]
        switch type {
        case EAPType.identity:
            // RFC 3748 §5.1.
            responseData = [EAPType.identity] + Array(identity.utf8)
            out.append(.log("EAP: sent Identity \(identity)"))
        case EAPType.notification:
            // RFC 3748 §5.2: shown to the user, answered with an empty Notification.
            responseData = [EAPType.notification]
            out.append(.log("EAP: server notification: \(printable(typeData))"))
        case method.type where method.type != EAPType.mschapv2:
            return receiveTLSRequest(packet, whole: whole)
        case EAPType.mschapv2 where method.type == EAPType.mschapv2:
            let inner: EAPMSCHAPv2Packet
            do {
                inner = try EAPMSCHAPv2Packet(parsing: typeData)
            } catch {
                return [.log("EAP: dropped a malformed EAP-MSCHAPv2 Request: \(error)")]
            }
            switch answerMSCHAPv2(inner) {
            case .respond(let data, let log):
                responseData = data
                out.append(.log(log))
            case .fail(let data, let failure):
                finished = true
                if let data {
                    out.append(
                        .send(
                            PPPControlPacket.serialize(
                                code: EAPCode.response, identifier: packet.identifier, data: data)))
                }
                return out + [.failed(failure)]
            case .ignore(let log):
                return [.log(log)]
            }
        default:
            // RFC 3748 §5.3.1: Nak an unsupported type, naming the one we do.
            responseData = [EAPType.nak, method.type]
            out.append(.log("EAP: Nak'd type \(type), asking for \(method)"))
        }
        let response = PPPControlPacket.serialize(
            code: EAPCode.response, identifier: packet.identifier, data: responseData)
        lastAnswered = (packet.identifier, whole, response)
        return [.send(response)] + out
    }

    private enum InnerAnswer {
        case respond([UInt8], log: String)
        case fail([UInt8]?, PPPFailure)
        case ignore(String)
    }

    private mutating func answerMSCHAPv2(_ inner: EAPMSCHAPv2Packet) -> InnerAnswer {
        switch inner.opCode {
        case EAPMSCHAPv2OpCode.challenge:
            let challenge: CHAPChallengeOrResponse
            do {
                challenge = try CHAPChallengeOrResponse(parsing: inner.body[...])
            } catch {
                return .ignore("EAP: dropped a malformed EAP-MSCHAPv2 Challenge: \(error)")
            }
            guard challenge.value.count == MSCHAPv2Exchange.challengeLength else {
                return .ignore(
                    "EAP: dropped an EAP-MSCHAPv2 Challenge of \(challenge.value.count) bytes, not 16"
                )
            }
            switch MSCHAPv2Exchange.respond(
                to: challenge.value, userName: userName, password: password, random: random)
            {
            case .success(let state):
                mschap = state
                // draft-kamath §2.2: the Response echoes the MS-CHAPv2-ID.
                let body = CHAPChallengeOrResponse(
                    value: state.responseValue, name: Array(userName.utf8)
                ).data
                let response = EAPMSCHAPv2Packet(
                    opCode: EAPMSCHAPv2OpCode.response, msIdentifier: inner.msIdentifier, body: body
                )
                return .respond(
                    response.typeAndData,
                    log: "EAP: answered the EAP-MSCHAPv2 Challenge as \(userName)")
            case .failure(let failure):
                return .fail(nil, failure)
            }
        case EAPMSCHAPv2OpCode.success:
            guard let state = mschap else {
                return .ignore("EAP: ignored an EAP-MSCHAPv2 Success before any Challenge")
            }
            switch MSCHAPv2Exchange.verifySuccess(message: inner.body, state: state) {
            case .success(let keys):
                verifiedKeys = keys
                // draft-kamath §2.4: the Success Response is the OpCode alone.
                return .respond(
                    [EAPType.mschapv2, EAPMSCHAPv2OpCode.success],
                    log: "EAP: the server proved it knows the password")
            case .failure(let failure):
                return .fail(nil, failure)
            }
        case EAPMSCHAPv2OpCode.failure:
            // draft-kamath §2.6: acknowledge with the OpCode alone.
            let reason = MSCHAPv2Exchange.describeFailure(message: inner.body)
            serverFailure = reason
            return .fail(
                [EAPType.mschapv2, EAPMSCHAPv2OpCode.failure],
                .authenticationFailed(message: reason))
        default:
            return .ignore("EAP: ignored EAP-MSCHAPv2 OpCode \(inner.opCode)")
        }
    }
}
