/// What arrives for the EAP-TLS peer: the EAP layer has already parsed the
/// packet (RFC 3748 §4) and hands over Requests of this method's Type.
public enum EAPTLSPeerEvent: Hashable, Sendable {
    /// An EAP-Request: its Identifier and its Data field (Type onward).
    case request(identifier: UInt8, typeAndData: [UInt8])
    case success
    case failure
}

/// Why the EAP-TLS peer failed.
public enum EAPTLSPeerFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// Broken EAP-TLS framing from the server.
    case framing(EAPTLSError)
    /// TLS data before the Start request (RFC 5216 §2.1.1: the EAP server
    /// begins with an EAP-TLS/Start).
    case missingStart
    /// The TLS engine gave up (certificate checks, handshake, exporter).
    case tls(EAPTLSEngineFailure)
    /// EAP-Failure from the server; `duringHandshake` tells whether TLS had
    /// finished (so a refused certificate shows as a refusal).
    case rejectedByServer(handshakeComplete: Bool)
    /// EAP-Success before the server proved itself (RFC 5216 §2.1.1: the
    /// server's Finished; RFC 9190 §2.1.1: the commitment message).
    case prematureSuccess
    /// TLS 1.3 application data other than the one-octet 0x00 commitment
    /// message (RFC 9190 §2.1.1, §2.5).
    case unexpectedApplicationData(count: Int)

    public var description: String {
        switch self {
        case .framing(let error): "the server's EAP-TLS packets are malformed: \(error)"
        case .missingStart: "the server sent EAP-TLS data before its EAP-TLS Start"
        case .tls(let failure): "EAP-TLS: \(failure.detail)"
        case .rejectedByServer(let complete):
            complete
                ? "the server sent EAP Failure after the TLS handshake: it refused this client's certificate or identity"
                : "the server sent EAP Failure during the EAP-TLS handshake"
        case .prematureSuccess:
            "the server sent EAP Success before completing the EAP-TLS handshake"
        case .unexpectedApplicationData(let count):
            "the server sent \(count) bytes of TLS application data where EAP-TLS allows only its commitment message"
        }
    }
}

/// What the EAP-TLS peer asks the EAP layer to do.
public typealias EAPTLSPeerAction = EAPTLSMethodAction<EAPTLSKeys, EAPTLSPeerFailure>

/// The EAP-TLS peer (RFC 5216 §2.1, RFC 9190 §2.1) over an abstract TLS
/// engine. A value: `handle(event)` returns actions.
///
/// The flow:
/// 1. Request with S (Start) -> the ClientHello.
/// 2. Requests carrying the server's flights (fragments are ACKed, ours are
///    sent one per ACK) -> our flights from the engine.
/// 3. The handshake completes. TLS 1.2: the server's last flight holds its
///    Finished, answered with an empty Response (RFC 5216 §2.1.1). TLS 1.3:
///    the server then sends the commitment message, one octet 0x00 of
///    application data (RFC 9190 §2.1.1), answered with an empty Response.
///    The close_notify of draft-ietf-emu-eap-tls13 before -14 is accepted
///    in its place, as older servers send it.
/// 4. EAP-Success -> keys (RFC 5216 §2.3 / RFC 9190 §2.3). A Success before
///    step 3 is a failure: the server has proved nothing.
public struct EAPTLSPeer<Engine: EAPTLSEngine>: Sendable {
    public static var methodType: UInt8 { 13 }

    public private(set) var engine: Engine
    private var framing: EAPTLSFraming
    private let type: UInt8
    private var phase: Phase = .awaitingStart
    /// RFC 3748 §4.1: a retransmitted Request gets the same Response.
    private var last: (identifier: UInt8, request: [UInt8], response: [UInt8])?

    private enum Phase: Sendable {
        case awaitingStart
        case handshaking
        /// TLS 1.3: handshake done, waiting for the commitment message.
        case awaitingCommitment
        case awaitingSuccess
        case finished
    }

    /// `type` is 13 for EAP-TLS; `fragmentSize` the TLS bytes per Response.
    public init(engine: Engine, type: UInt8 = 13, fragmentSize: Int = 1000, limits: EAPTLSLimits = .default) {
        self.engine = engine
        self.type = type
        framing = EAPTLSFraming(type: type, fragmentSize: fragmentSize, limits: limits)
    }

    public var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }

    public mutating func handle(_ event: EAPTLSPeerEvent) -> [EAPTLSPeerAction] {
        if case .finished = phase { return [] }
        switch event {
        case .request(let identifier, let typeAndData):
            if let last, last.identifier == identifier, last.request == typeAndData {
                return [.respond(identifier: identifier, typeAndData: last.response)]
            }
            return receiveRequest(identifier: identifier, typeAndData: typeAndData)
        case .success:
            guard case .awaitingSuccess = phase else {
                return finish(.prematureSuccess)
            }
            phase = .finished
            do throws(EAPTLSEngineFailure) {
                let keys = try EAPTLSKeys.derive(from: engine, methodType: type)
                return [.log("EAP-TLS: authenticated"), .succeeded(keys)]
            } catch {
                return [.failed(.tls(error))]
            }
        case .failure:
            return finish(.rejectedByServer(handshakeComplete: engine.isHandshakeComplete))
        }
    }

    private mutating func receiveRequest(identifier: UInt8, typeAndData: [UInt8]) -> [EAPTLSPeerAction] {
        let event: EAPTLSFramingEvent
        do throws(EAPTLSError) {
            event = try framing.receive(typeAndData[...])
        } catch {
            return finish(.framing(error))
        }
        var actions: [EAPTLSPeerAction] = []
        let response: [UInt8]
        switch event {
        case .start:
            guard case .awaitingStart = phase else {
                return [.log("EAP-TLS: ignored a second Start")]
            }
            do throws(EAPTLSEngineFailure) {
                let hello = try engine.startHandshake()
                phase = .handshaking
                response = framing.send(hello)
                actions.append(.log("EAP-TLS: sent ClientHello"))
            } catch {
                return finish(.tls(error))
            }
        case .acknowledge(let ack):
            response = ack
        case .sendNext(let next):
            response = next
        case .message(let bytes):
            switch feed(bytes) {
            case .success(let reply):
                response = reply
            case .failure(let failure):
                var out: [EAPTLSPeerAction] = []
                if case .tls(let engineFailure) = failure, !engineFailure.alert.isEmpty {
                    out.append(
                        .respond(identifier: identifier, typeAndData: framing.send(engineFailure.alert)))
                }
                return out + finish(failure)
            }
        }
        last = (identifier, typeAndData, response)
        return [.respond(identifier: identifier, typeAndData: response)] + actions
    }

    /// A whole TLS message from the server.
    private mutating func feed(_ bytes: [UInt8]) -> Result<[UInt8], EAPTLSPeerFailure> {
        switch phase {
        case .awaitingStart:
            // RFC 5216 §2.1.1: the method begins with Start.
            return .failure(.missingStart)
        case .awaitingSuccess, .finished:
            // Nothing more may come after the end; answer it empty, as
            // for the server's retransmission of a last flight.
            return .success(framing.send([]))
        case .handshaking, .awaitingCommitment:
            break
        }
        let out: [UInt8]
        do throws(EAPTLSEngineFailure) {
            out = bytes.isEmpty ? [] : try engine.receive(bytes)
        } catch {
            return .failure(.tls(error))
        }
        if engine.isHandshakeComplete {
            switch engine.negotiatedVersion {
            case .tls13:
                let data = engine.takeApplicationData()
                if data == [0x00] || (data.isEmpty && engine.receivedCloseNotify) {
                    phase = .awaitingSuccess
                } else if !data.isEmpty {
                    return .failure(.unexpectedApplicationData(count: data.count))
                } else {
                    phase = .awaitingCommitment
                }
            case .tls12OrEarlier, nil:
                phase = .awaitingSuccess
            }
        }
        return .success(framing.send(out))
    }

    private mutating func finish(_ failure: EAPTLSPeerFailure) -> [EAPTLSPeerAction] {
        phase = .finished
        return [.failed(failure)]
    }
}
