import SSTPCrypto

/// Why the PEAP peer failed.
public enum PEAPPeerFailure: Error, Hashable, Sendable, CustomStringConvertible {
    case framing(EAPTLSError)
    case missingStart
    case tls(EAPTLSEngineFailure)
    /// The inner EAP-MSCHAPv2 failed (wrong password, or the server could
    /// not prove it knows it), with the reason.
    case innerAuthenticationFailed(String)
    /// The server's Result TLV said Failure (MS-PEAP 2.2.8.1.2).
    case resultFailure
    /// Malformed TLVs inside the tunnel.
    case tlv(PEAPTLVError)
    /// The Cryptobinding TLV's Compound MAC did not verify (MS-PEAP 3.2.5.3):
    /// the tunnel and the inner method did not end at the same server.
    case cryptobindingInvalid
    /// The server sent no Cryptobinding TLV and this peer requires one.
    case cryptobindingMissing
    /// EAP-Success or a success Result before the inner method proved the server.
    case prematureSuccess
    case rejectedByServer
    /// PEAP's keys here are those of TLS 1.2 and earlier (MS-PEAP 3.1.5.5.2.1).
    case tls13NotSupported
    case crypto(String)

    public var description: String {
        switch self {
        case .framing(let error): "the server's PEAP packets are malformed: \(error)"
        case .missingStart: "the server sent PEAP data before its PEAP Start"
        case .tls(let failure): "PEAP: \(failure.detail)"
        case .innerAuthenticationFailed(let reason): "PEAP inner EAP-MSCHAPv2: \(reason)"
        case .resultFailure: "the server ended PEAP with a failure Result"
        case .tlv(let error): "PEAP: \(error)"
        case .cryptobindingInvalid:
            "the PEAP cryptobinding does not verify: the TLS tunnel and the inner authentication did not end at the same server"
        case .cryptobindingMissing: "the server sent no PEAP cryptobinding, which this connection requires"
        case .prematureSuccess: "the server sent EAP Success before PEAP's inner authentication completed"
        case .rejectedByServer: "the server sent EAP Failure during PEAP"
        case .tls13NotSupported: "the server negotiated TLS 1.3 for PEAP, which this client does not support yet"
        case .crypto(let detail): "PEAP key derivation failed: \(detail)"
        }
    }
}

/// PEAP's exported keys (MS-PEAP 3.1.5.7).
public struct PEAPKeyMaterial: Hashable, Sendable {
    /// The first 64 bytes of the CSK (with cryptobinding) or of the TLS
    /// Key_Material (without): the peer's MS-MPPE-Send-Key then Recv-Key.
    public let msk: [UInt8]
    public let cryptobound: Bool
}

/// What the PEAP peer asks the EAP layer to do.
public typealias PEAPPeerAction = EAPTLSMethodAction<PEAPKeyMaterial, PEAPPeerFailure>

/// The PEAPv0 peer (MS-PEAP 3.2) with EAP-MSCHAPv2 inside, over an abstract
/// TLS engine. Phase 1 is EAP-TLS framing with PEAP's Type (25) and Ver
/// bits; phase 2 runs the inner EAP conversation as TLS application data,
/// compressed as MS-PEAP 3.1.5.6 says; the server ends it with an EAP TLV
/// Extensions Request (Result TLV, Cryptobinding TLV) that we verify and
/// answer; the outer EAP-Success follows in clear (MS-PEAP 3.1.5.6).
public struct PEAPPeer<Engine: EAPTLSEngine>: Sendable {
    public static var methodType: UInt8 { 25 }

    public private(set) var engine: Engine
    private var framing: EAPTLSFraming
    private let identity: String
    private let userName: String
    private let password: String
    private let random: any PPPRandomSource
    private let requireCryptobinding: Bool
    private var phase: Phase = .awaitingStart
    private var mschap: MSCHAPv2Exchange.PeerState?
    private var innerKeys: MPPEKeys?
    private var keys: PEAPKeyMaterial?
    /// The inner method's failure, reported once the server's failure
    /// Result has been acknowledged (MS-PEAP 2.2.8.1.2).
    private var innerFailure: String?
    /// Set when the answer just built is the last one: fail after sending it.
    private var failAfterResponse: PEAPPeerFailure?
    private var last: (identifier: UInt8, request: [UInt8], response: [UInt8])?

    private enum Phase: Sendable {
        case awaitingStart, handshaking, tunnel, awaitingSuccess, finished
    }

    /// `identity` is the inner EAP identity (the outer one may be
    /// anonymous); `requireCryptobinding` refuses servers that send no
    /// Cryptobinding TLV (NPS always sends one; FreeRADIUS does not).
    public init(
        engine: Engine, identity: String, userName: String, password: String, random: any PPPRandomSource,
        requireCryptobinding: Bool = false, fragmentSize: Int = 1000
    ) {
        self.engine = engine
        self.identity = identity
        self.userName = userName
        self.password = password
        self.random = random
        self.requireCryptobinding = requireCryptobinding
        framing = EAPTLSFraming(type: Self.methodType, fragmentSize: fragmentSize, version: 0)
    }

    public var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }

    public mutating func handle(_ event: EAPTLSPeerEvent) -> [PEAPPeerAction] {
        if case .finished = phase { return [] }
        switch event {
        case .request(let identifier, let typeAndData):
            if let last, last.identifier == identifier, last.request == typeAndData {
                return [.respond(identifier: identifier, typeAndData: last.response)]
            }
            return receiveRequest(identifier: identifier, typeAndData: typeAndData)
        case .success:
            guard case .awaitingSuccess = phase, let keys else { return finish(.prematureSuccess) }
            phase = .finished
            return [.log("PEAP: authenticated"), .succeeded(keys)]
        case .failure:
            return finish(.rejectedByServer)
        }
    }

    private mutating func receiveRequest(identifier: UInt8, typeAndData: [UInt8]) -> [PEAPPeerAction] {
        let event: EAPTLSFramingEvent
        do throws(EAPTLSError) {
            event = try framing.receive(typeAndData[...])
        } catch {
            return finish(.framing(error))
        }
        let response: [UInt8]
        switch event {
        case .start:
            guard case .awaitingStart = phase else { return [.log("PEAP: ignored a second Start")] }
            // MS-PEAP 2.2.2: the version is negotiated in the Ver bits; the peer
            // answers with the one it supports, not above the server's: 0.
            do throws(EAPTLSEngineFailure) {
                response = framing.send(try engine.startHandshake())
                phase = .handshaking
            } catch {
                return finish(.tls(error))
            }
        case .acknowledge(let ack):
            response = ack
        case .sendNext(let next):
            response = next
        case .message(let bytes):
            switch feed(bytes, identifier: identifier) {
            case .success(let reply):
                response = reply
            case .failure(let failure):
                var out: [PEAPPeerAction] = []
                if case .tls(let engineFailure) = failure, !engineFailure.alert.isEmpty {
                    out.append(.respond(identifier: identifier, typeAndData: framing.send(engineFailure.alert)))
                }
                return out + finish(failure)
            }
        }
        last = (identifier, typeAndData, response)
        if let failure = failAfterResponse {
            return [.respond(identifier: identifier, typeAndData: response)] + finish(failure)
        }
        return [.respond(identifier: identifier, typeAndData: response)]
    }

    private mutating func feed(_ bytes: [UInt8], identifier: UInt8) -> Result<[UInt8], PEAPPeerFailure> {
        switch phase {
        case .awaitingStart: return .failure(.missingStart)
        case .awaitingSuccess, .finished: return .success(framing.send([]))
        case .handshaking, .tunnel: break
        }
        var out: [UInt8]
        do throws(EAPTLSEngineFailure) {
            out = bytes.isEmpty ? [] : try engine.receive(bytes)
        } catch {
            return .failure(.tls(error))
        }
        if case .handshaking = phase, engine.isHandshakeComplete {
            if engine.negotiatedVersion == .tls13 { return .failure(.tls13NotSupported) }
            phase = .tunnel
        }
        if case .tunnel = phase {
            let data = engine.takeApplicationData()
            if !data.isEmpty {
                // MS-PEAP 3.1.5.6: inner packets take the outer Code and Identifier.
                let inner = PEAPInnerPacket.decompress(data, outerCode: 1, outerIdentifier: identifier)
                switch answerInner(inner) {
                case .success(let reply):
                    do throws(EAPTLSEngineFailure) {
                        out += try engine.sendApplicationData(PEAPInnerPacket.compress(reply))
                    } catch {
                        return .failure(.tls(error))
                    }
                case .failure(let failure):
                    return .failure(failure)
                }
            }
        }
        return .success(framing.send(out))
    }

    /// The inner EAP Request (Code onward) and our whole inner Response.
    private mutating func answerInner(_ packet: [UInt8]) -> Result<[UInt8], PEAPPeerFailure> {
        guard packet.count >= 5, packet[0] == 1 else {
            return .success([])
        }
        let id = packet[1]
        let typeData = packet[5...]
        func respond(_ data: [UInt8]) -> [UInt8] {
            PPPControlPacket.serialize(code: 2, identifier: id, data: data)
        }
        switch packet[4] {
        case EAPType.identity:
            return .success(respond([EAPType.identity] + Array(identity.utf8)))
        case EAPType.mschapv2:
            let inner: EAPMSCHAPv2Packet
            do {
                inner = try EAPMSCHAPv2Packet(parsing: typeData)
            } catch {
                return .failure(.innerAuthenticationFailed("malformed EAP-MSCHAPv2 packet: \(error)"))
            }
            return answerMSCHAPv2(inner).map(respond)
        case PEAPExtensionsMessage.eapType:
            let message: PEAPExtensionsMessage
            do throws(PEAPTLVError) {
                message = try PEAPExtensionsMessage(parsing: typeData)
            } catch {
                return .failure(.tlv(error))
            }
            return answerExtensions(message).map(respond)
        default:
            // RFC 3748 §5.3.1 inside the tunnel: Nak, asking for EAP-MSCHAPv2.
            return .success(respond([EAPType.nak, EAPType.mschapv2]))
        }
    }

    private mutating func answerMSCHAPv2(_ inner: EAPMSCHAPv2Packet) -> Result<[UInt8], PEAPPeerFailure> {
        switch inner.opCode {
        case EAPMSCHAPv2OpCode.challenge:
            let challenge: CHAPChallengeOrResponse
            do {
                challenge = try CHAPChallengeOrResponse(parsing: inner.body[...])
            } catch {
                return .failure(.innerAuthenticationFailed("malformed Challenge: \(error)"))
            }
            guard challenge.value.count == MSCHAPv2Exchange.challengeLength else {
                return .failure(.innerAuthenticationFailed("a Challenge of \(challenge.value.count) bytes"))
            }
            switch MSCHAPv2Exchange.respond(
                to: challenge.value, userName: userName, password: password, random: random)
            {
            case .success(let state):
                mschap = state
                let body = CHAPChallengeOrResponse(value: state.responseValue, name: Array(userName.utf8)).data
                return .success(
                    EAPMSCHAPv2Packet(opCode: EAPMSCHAPv2OpCode.response, msIdentifier: inner.msIdentifier, body: body)
                        .typeAndData)
            case .failure(let failure):
                return .failure(.innerAuthenticationFailed(failure.description))
            }
        case EAPMSCHAPv2OpCode.success:
            guard let state = mschap else { return .failure(.prematureSuccess) }
            switch MSCHAPv2Exchange.verifySuccess(message: inner.body, state: state) {
            case .success(let keys):
                innerKeys = keys
                return .success([EAPType.mschapv2, EAPMSCHAPv2OpCode.success])
            case .failure(let failure):
                return .failure(.innerAuthenticationFailed(failure.description))
            }
        case EAPMSCHAPv2OpCode.failure:
            // draft-kamath §2.6: acknowledge with the OpCode alone; the
            // server then ends PEAP with a failure Result.
            innerFailure = MSCHAPv2Exchange.describeFailure(message: inner.body)
            return .success([EAPType.mschapv2, EAPMSCHAPv2OpCode.failure])
        default:
            return .failure(.innerAuthenticationFailed("unknown EAP-MSCHAPv2 OpCode \(inner.opCode)"))
        }
    }

    /// MS-PEAP 3.2.5.3 and 3.1.5.7: check the Result and the Cryptobinding,
    /// answer them, and derive the keys.
    private mutating func answerExtensions(_ message: PEAPExtensionsMessage) -> Result<[UInt8], PEAPPeerFailure> {
        if message.result == .failure {
            // MS-PEAP 2.2.8.1.2: answer a failure Result with a failure Result.
            failAfterResponse = innerFailure.map { .innerAuthenticationFailed($0) } ?? .resultFailure
            return .success(PEAPExtensionsMessage(result: .failure).typeAndData)
        }
        guard message.result == .success else { return .failure(.tlv(.notExtensionsPacket)) }
        guard let innerKeys else { return .failure(.prematureSuccess) }
        do throws(EAPTLSEngineFailure) {
            let material = try engine.exportKeyingMaterial(
                label: PEAPKeys.tunnelKeyLabel, context: nil, length: EAPTLSKeys.keyMaterialLength)
            guard material.count == EAPTLSKeys.keyMaterialLength else {
                return .failure(.crypto("the TLS exporter returned \(material.count) bytes"))
            }
            var reply = PEAPExtensionsMessage(result: .success)
            if let request = message.cryptobinding {
                do throws(CryptoError) {
                    let compound = try PEAPKeys.compoundKeys(
                        tunnelKey: Array(material.prefix(PEAPKeys.tunnelKeyLength)),
                        innerSessionKey: PEAPKeys.innerSessionKey(mschapv2Client: innerKeys))
                    guard try request.isValidRequest(cmk: compound.cmk) else {
                        return .failure(.cryptobindingInvalid)
                    }
                    reply.cryptobinding = try request.response(cmk: compound.cmk)
                    let csk = try PEAPKeys.compoundSessionKey(ipmk: compound.ipmk)
                    keys = PEAPKeyMaterial(msk: Array(csk.prefix(64)), cryptobound: true)
                } catch {
                    return .failure(.crypto(error.description))
                }
            } else {
                guard !requireCryptobinding else { return .failure(.cryptobindingMissing) }
                // MS-PEAP 3.1.5.7 item 2: without cryptobinding, the TLS Key_Material.
                keys = PEAPKeyMaterial(msk: Array(material.prefix(64)), cryptobound: false)
            }
            phase = .awaitingSuccess
            return .success(reply.typeAndData)
        } catch {
            return .failure(.tls(error))
        }
    }

    private mutating func finish(_ failure: PEAPPeerFailure) -> [PEAPPeerAction] {
        phase = .finished
        return [.failed(failure)]
    }
}
