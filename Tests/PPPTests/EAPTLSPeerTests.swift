import PPP
import SSTPCrypto
import Testing

/// A TLS engine that plays a script: each step names the bytes it expects
/// from the server and what it does then. Records the exporter calls.
struct ScriptedTLSEngine: EAPTLSEngine {
    struct Step: Sendable {
        var expect: [UInt8]
        var reply: [UInt8]
        var completesHandshake = false
        var applicationData: [UInt8] = []
        var closeNotify = false
        var failure: EAPTLSEngineFailure?
    }

    var hello: [UInt8]
    var version: EAPTLSVersion
    var steps: [Step]
    var mismatch: [UInt8]?

    private(set) var isHandshakeComplete = false
    private(set) var receivedCloseNotify = false
    private var pendingApplicationData: [UInt8] = []
    private var versionKnown = false

    init(hello: [UInt8], version: EAPTLSVersion, steps: [Step]) {
        self.hello = hello
        self.version = version
        self.steps = steps
    }

    var negotiatedVersion: EAPTLSVersion? { versionKnown ? version : nil }

    mutating func startHandshake() throws(EAPTLSEngineFailure) -> [UInt8] { hello }

    mutating func receive(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        versionKnown = true
        guard let step = steps.first else {
            throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: "script ran out")
        }
        guard step.expect == bytes else {
            mismatch = bytes
            throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: "unexpected bytes")
        }
        steps.removeFirst()
        if let failure = step.failure { throw failure }
        if step.completesHandshake { isHandshakeComplete = true }
        if step.closeNotify { receivedCloseNotify = true }
        pendingApplicationData += step.applicationData
        return step.reply
    }

    mutating func takeApplicationData() -> [UInt8] {
        defer { pendingApplicationData = [] }
        return pendingApplicationData
    }

    mutating func sendApplicationData(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] { bytes }

    func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) throws(EAPTLSEngineFailure)
        -> [UInt8]
    {
        Self.keysFor(label: label, context: context, length: length)
    }

    /// What `exportKeyingMaterial` returns: SHA-256 blocks over the label,
    /// the context (or its absence) and the length, so any other request
    /// gives other bytes.
    static func keysFor(label: String, context: [UInt8]?, length: Int) -> [UInt8] {
        var input = Array(label.utf8) + [0xFF]
        input += context.map { [1] + $0 } ?? [0]
        input += [UInt8(length & 0xff), UInt8(length >> 8)]
        var out: [UInt8] = []
        var counter: UInt8 = 0
        while out.count < length {
            out += (try? digest(.sha256, input + [counter])) ?? []
            counter &+= 1
        }
        return Array(out.prefix(length))
    }
}

@Suite struct EAPTLSPeerTests {
    static let hello: [UInt8] = Array(repeating: 0x16, count: 30)
    static let serverFlight: [UInt8] = (0..<50).map { UInt8($0) }
    static let clientFlight: [UInt8] = Array(repeating: 0x17, count: 25)
    static let serverFinished: [UInt8] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x16]

    func request(_ id: UInt8, _ flags: UInt8, length: UInt32? = nil, data: [UInt8] = []) -> EAPTLSPeerEvent {
        var out: [UInt8] = [13, flags]
        if let length {
            out += [
                UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff),
            ]
        }
        return .request(identifier: id, typeAndData: out + data)
    }

    func responses(_ actions: [EAPTLSPeerAction]) -> [[UInt8]] {
        actions.compactMap {
            if case .respond(_, let data) = $0 { return data }
            return nil
        }
    }

    /// Delivers `message` from the server in fragments of `size`, answering
    /// nothing but our ACKs; returns the actions for the last fragment.
    func deliver(
        _ message: [UInt8], size: Int, startingAt id: inout UInt8, to peer: inout EAPTLSPeer<ScriptedTLSEngine>
    ) -> [EAPTLSPeerAction] {
        var server = EAPTLSFraming(type: 13, fragmentSize: size)
        var packet = server.send(message)
        while true {
            let actions = peer.handle(.request(identifier: id, typeAndData: packet))
            id &+= 1
            guard server.isSending else { return actions }
            guard let ack = responses(actions).first, ack == [13, 0x00],
                case .sendNext(let next) = try? server.receive(ack[...])
            else {
                Issue.record("the peer did not ACK a fragment: \(actions)")
                return actions
            }
            packet = next
        }
    }

    /// Collects our fragmented flight by ACKing each fragment.
    func collect(
        first: [UInt8], startingAt id: inout UInt8, from peer: inout EAPTLSPeer<ScriptedTLSEngine>
    ) -> [UInt8] {
        var receiver = EAPTLSFraming(type: 13)
        var packet = first
        while true {
            switch try? receiver.receive(packet[...]) {
            case .message(let whole):
                return whole
            case .acknowledge(let ack):
                let actions = peer.handle(.request(identifier: id, typeAndData: ack))
                id &+= 1
                guard let next = responses(actions).first else { return [] }
                packet = next
            default:
                Issue.record("bad fragment from the peer")
                return []
            }
        }
    }

    @Test func tls12FullHandshakeThenSuccessGivesPRFKeys() {
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls12OrEarlier,
            steps: [
                .init(expect: Self.serverFlight, reply: Self.clientFlight),
                .init(expect: Self.serverFinished, reply: [], completesHandshake: true),
            ])
        var peer = EAPTLSPeer(engine: engine, fragmentSize: 10)
        var id: UInt8 = 1
        // Start -> ClientHello, fragmented: L and M on the first fragment.
        let first = peer.handle(request(id, 0x20))
        id += 1
        #expect(responses(first).first == [13, 0xC0, 0, 0, 0, 30] + Array(Self.hello.prefix(10)))
        #expect(collect(first: responses(first)[0], startingAt: &id, from: &peer) == Self.hello)
        // The server's flight in fragments of 16; our flight comes back.
        let afterFlight = deliver(Self.serverFlight, size: 16, startingAt: &id, to: &peer)
        #expect(collect(first: responses(afterFlight)[0], startingAt: &id, from: &peer) == Self.clientFlight)
        // Server Finished -> the empty final Response (RFC 5216 §2.1.1).
        let final = peer.handle(request(id, 0x00, data: Self.serverFinished))
        #expect(responses(final) == [[13, 0x00]])
        let done = peer.handle(.success)
        let expected = ScriptedTLSEngine.keysFor(label: "client EAP encryption", context: nil, length: 128)
        guard case .succeeded(let keys) = done.last else {
            Issue.record("no success: \(done)")
            return
        }
        #expect(keys.msk == Array(expected[0..<64]))
        #expect(keys.emsk == Array(expected[64..<128]))
        #expect(keys.version == .tls12OrEarlier)
        #expect(keys.peerSendKey == Array(expected[0..<32]))
        #expect(keys.peerReceiveKey == Array(expected[32..<64]))
        #expect(peer.isFinished)
    }

    @Test func tls13WaitsForTheCommitmentMessage() {
        let commitmentRecord: [UInt8] = [0x17, 0x03, 0x03, 0x00, 0x11]
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls13,
            steps: [
                .init(expect: Self.serverFlight, reply: Self.clientFlight, completesHandshake: true),
                .init(expect: commitmentRecord, reply: [], applicationData: [0x00]),
            ])
        var peer = EAPTLSPeer(engine: engine, fragmentSize: 1000)
        _ = peer.handle(request(1, 0x20))
        let flight = peer.handle(request(2, 0x00, data: Self.serverFlight))
        #expect(responses(flight) == [[13, 0x00] + Self.clientFlight])
        // Success now would be premature: no commitment message yet.
        var early = peer
        #expect(early.handle(.success) == [.failed(.prematureSuccess)])
        let commit = peer.handle(request(3, 0x00, data: commitmentRecord))
        #expect(responses(commit) == [[13, 0x00]])
        let done = peer.handle(.success)
        let expected = ScriptedTLSEngine.keysFor(
            label: "EXPORTER_EAP_TLS_Key_Material", context: [0x0D], length: 128)
        guard case .succeeded(let keys) = done.last else {
            Issue.record("no success: \(done)")
            return
        }
        #expect(keys.msk == Array(expected[0..<64]))
        #expect(keys.emsk == Array(expected[64..<128]))
    }

    @Test func tls13OtherApplicationDataFails() {
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls13,
            steps: [.init(expect: Self.serverFlight, reply: [], completesHandshake: true, applicationData: [1, 2])])
        var peer = EAPTLSPeer(engine: engine)
        _ = peer.handle(request(1, 0x20))
        #expect(
            peer.handle(request(2, 0x00, data: Self.serverFlight)) == [.failed(.unexpectedApplicationData(count: 2))])
    }

    @Test func tls13CloseNotifyFromOlderDraftsIsAccepted() {
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls13,
            steps: [
                .init(expect: Self.serverFlight, reply: Self.clientFlight, completesHandshake: true),
                .init(expect: [0x15], reply: [], closeNotify: true),
            ])
        var peer = EAPTLSPeer(engine: engine)
        _ = peer.handle(request(1, 0x20))
        _ = peer.handle(request(2, 0x00, data: Self.serverFlight))
        _ = peer.handle(request(3, 0x00, data: [0x15]))
        guard case .succeeded = peer.handle(.success).last else {
            Issue.record("close_notify did not end the handshake")
            return
        }
    }

    @Test func successBeforeTheServerFinishedFails() {
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls12OrEarlier,
            steps: [.init(expect: Self.serverFlight, reply: Self.clientFlight)])
        var peer = EAPTLSPeer(engine: engine)
        _ = peer.handle(request(1, 0x20))
        _ = peer.handle(request(2, 0x00, data: Self.serverFlight))
        #expect(peer.handle(.success) == [.failed(.prematureSuccess)])
        #expect(peer.handle(.success) == [])
    }

    @Test func untrustedServerCertificateSendsTheAlertAndFails() {
        let failure = EAPTLSEngineFailure(
            kind: .serverCertificateUntrusted, detail: "unknown CA", alert: [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30])
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls12OrEarlier,
            steps: [.init(expect: Self.serverFlight, reply: [], failure: failure)])
        var peer = EAPTLSPeer(engine: engine)
        _ = peer.handle(request(1, 0x20))
        let actions = peer.handle(request(2, 0x00, data: Self.serverFlight))
        #expect(
            actions == [
                .respond(identifier: 2, typeAndData: [13, 0x00] + failure.alert), .failed(.tls(failure)),
            ])
    }

    @Test func failureAfterTheHandshakeNamesTheRefusal() {
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls12OrEarlier,
            steps: [.init(expect: Self.serverFlight, reply: Self.clientFlight, completesHandshake: true)])
        var peer = EAPTLSPeer(engine: engine)
        _ = peer.handle(request(1, 0x20))
        _ = peer.handle(request(2, 0x00, data: Self.serverFlight))
        #expect(peer.handle(.failure) == [.failed(.rejectedByServer(handshakeComplete: true))])
    }

    @Test func retransmittedRequestGetsTheSameResponse() {
        let engine = ScriptedTLSEngine(
            hello: Self.hello, version: .tls12OrEarlier,
            steps: [.init(expect: Self.serverFlight, reply: Self.clientFlight)])
        var peer = EAPTLSPeer(engine: engine)
        let first = peer.handle(request(1, 0x20))
        // RFC 3748 §4.1: a duplicate Request is answered with the same Response.
        #expect(peer.handle(request(1, 0x20)) == [first[0]])
        let flight = peer.handle(request(2, 0x00, data: Self.serverFlight))
        #expect(peer.handle(request(2, 0x00, data: Self.serverFlight)) == [flight[0]])
        #expect(peer.engine.steps.isEmpty)
    }

    @Test func malformedFramingFails() {
        let engine = ScriptedTLSEngine(hello: Self.hello, version: .tls12OrEarlier, steps: [])
        var peer = EAPTLSPeer(engine: engine)
        _ = peer.handle(request(1, 0x20))
        #expect(
            peer.handle(request(2, 0xC0, length: 70000, data: [1])) == [
                .failed(.framing(.messageTooLong(declared: 70000, limit: 65536)))
            ])
    }

    @Test func dataBeforeStartFails() {
        let engine = ScriptedTLSEngine(hello: Self.hello, version: .tls12OrEarlier, steps: [])
        var peer = EAPTLSPeer(engine: engine)
        #expect(peer.handle(request(1, 0x00, data: [1])) == [.failed(.missingStart)])
    }
}
