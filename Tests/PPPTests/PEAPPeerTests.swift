import SSTPCrypto
import Testing

@testable import PPP

/// A TLS engine whose handshake is two scripted steps and whose "records"
/// afterwards are plaintext behind a 0x17 marker: enough to drive PEAP's
/// phase 2 with a real inner EAP-MSCHAPv2 exchange.
struct PassthroughTLSEngine: EAPTLSEngine {
    var keyMaterial: [UInt8]
    var version: EAPTLSVersion = .tls12OrEarlier
    private(set) var isHandshakeComplete = false
    private(set) var receivedCloseNotify = false
    private var steps = 0
    private var pending: [UInt8] = []

    init(keyMaterial: [UInt8], version: EAPTLSVersion = .tls12OrEarlier) {
        self.keyMaterial = keyMaterial
        self.version = version
    }

    var negotiatedVersion: EAPTLSVersion? { steps > 0 ? version : nil }

    mutating func startHandshake() throws(EAPTLSEngineFailure) -> [UInt8] { [0x16, 0x01] }

    mutating func receive(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        steps += 1
        if !isHandshakeComplete {
            if bytes == [0x16, 0x02] { return [0x16, 0x10] }  // server flight -> ours
            if bytes == [0x14, 0x0F] {  // server CCS + Finished
                isHandshakeComplete = true
                return []
            }
            throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: "unexpected handshake bytes")
        }
        guard bytes.first == 0x17 else {
            throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: "not an application data record")
        }
        pending += bytes.dropFirst()
        return []
    }

    mutating func takeApplicationData() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    mutating func sendApplicationData(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        [0x17] + bytes
    }

    func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) throws(EAPTLSEngineFailure)
        -> [UInt8]
    {
        guard label == "client EAP encryption", context == nil, length == 128 else {
            throw EAPTLSEngineFailure(kind: .exportFailed, detail: "unexpected exporter request \(label)")
        }
        return keyMaterial
    }
}

/// PEAPv0 with EAP-MSCHAPv2 inside against a scripted server that computes
/// its side with our MS-CHAPv2 authenticator code and PEAPKeys.
@Suite struct PEAPPeerTests {
    static let keyMaterial: [UInt8] = (0..<128).map { UInt8(($0 * 37 + 11) & 0xff) }
    static let password = "clientPass"
    static let user = "User"

    struct Server {
        var peer: PEAPPeer<PassthroughTLSEngine>
        var id: UInt8 = 1

        mutating func send(_ flags: UInt8, _ data: [UInt8]) -> [PEAPPeerAction] {
            defer { id &+= 1 }
            return peer.handle(.request(identifier: id, typeAndData: [25, flags] + data))
        }

        /// Sends inner data (compressed) and returns the peer's decrypted inner reply.
        mutating func tunnel(_ inner: [UInt8]) throws -> [UInt8] {
            let actions = send(0x00, [0x17] + inner)
            guard case .respond(_, let data) = try #require(actions.first) else {
                Issue.record("no response: \(actions)")
                return []
            }
            #expect(data.prefix(3) == [25, 0x00, 0x17])
            return Array(data.dropFirst(3))
        }
    }

    func runToTunnel(requireCryptobinding: Bool = false) -> Server {
        let peer = PEAPPeer(
            engine: PassthroughTLSEngine(keyMaterial: Self.keyMaterial), identity: "inner@example.test",
            userName: Self.user, password: Self.password, random: SeededPPPRandom(seed: 7),
            requireCryptobinding: requireCryptobinding)
        var server = Server(peer: peer)
        // Start with Ver 1 offered: we answer with Ver 0 (MS-PEAP 2.2.2).
        #expect(server.send(0x21, []) == [.respond(identifier: 1, typeAndData: [25, 0x00, 0x16, 0x01])])
        #expect(server.send(0x00, [0x16, 0x02]) == [.respond(identifier: 2, typeAndData: [25, 0x00, 0x16, 0x10])])
        #expect(server.send(0x00, [0x14, 0x0F]) == [.respond(identifier: 3, typeAndData: [25, 0x00])])
        return server
    }

    /// Runs the inner Identity and EAP-MSCHAPv2 exchange; returns the
    /// server's MPPE keys.
    func innerMSCHAPv2(_ server: inout Server, password: String = Self.password) throws -> MPPEKeys? {
        // MS-PEAP 3.1.5.6: the compressed Identity Request is the Type alone.
        #expect(try server.tunnel([1]) == [1] + Array("inner@example.test".utf8))
        let challenge = (0..<16).map { UInt8($0 * 3) }
        let challengeBody = CHAPChallengeOrResponse(value: challenge, name: Array("srv".utf8)).data
        let request = EAPMSCHAPv2Packet(opCode: 1, msIdentifier: 9, body: challengeBody).typeAndData
        let reply = try server.tunnel(request)
        let response = try EAPMSCHAPv2Packet(parsing: reply.dropFirst()[...])
        #expect(reply.first == 26)
        #expect(response.opCode == 2 && response.msIdentifier == 9)
        let value = try CHAPChallengeOrResponse(parsing: response.body[...])
        let verdict = try MSCHAPv2Exchange.verify(
            response: MSCHAPv2ResponseValue(parsing: value.value, protocolName: "test"), challenge: challenge,
            userName: Self.user, password: password
        ).get()
        switch verdict {
        case .success(let message, let keys):
            let success = EAPMSCHAPv2Packet(opCode: 3, msIdentifier: 9, body: Array(message.utf8)).typeAndData
            #expect(try server.tunnel(success) == [26, 3])
            return keys
        case .failure(let message, _):
            let failure = EAPMSCHAPv2Packet(opCode: 4, msIdentifier: 9, body: Array(message.utf8)).typeAndData
            #expect(try server.tunnel(failure) == [26, 4])
            return nil
        }
    }

    @Test func innerMSCHAPv2WithCryptobindingGivesTheCompoundKeys() throws {
        var server = runToTunnel()
        let serverKeys = try #require(try innerMSCHAPv2(&server))
        // The server's side of MS-PEAP 3.1.5.5.2.2: Server ISK = Recv | Send.
        let isk = PEAPKeys.innerSessionKey(sendKey: serverKeys.masterReceiveKey, receiveKey: serverKeys.masterSendKey)
        let compound = try PEAPKeys.compoundKeys(
            tunnelKey: Array(Self.keyMaterial.prefix(60)), innerSessionKey: isk)
        var binding = PEAPCryptobindingTLV(subType: .request, nonce: (0..<32).map { UInt8($0 + 100) })
        binding.compoundMAC = try binding.expectedMAC(cmk: compound.cmk)
        let extensions = PEAPExtensionsMessage(result: .success, cryptobinding: binding).typeAndData
        let whole = PPPControlPacket.serialize(code: 1, identifier: 20, data: extensions)
        let reply = try server.tunnel(whole)
        // Not compressed (MS-PEAP 3.1.5.6): Code 2, the inner Identifier, Type 33.
        #expect(Array(reply.prefix(2)) == [2, 20])
        #expect(reply[4] == 33)
        let answer = try PEAPExtensionsMessage(parsing: reply.dropFirst(5)[...])
        #expect(answer.result == .success)
        let response = try #require(answer.cryptobinding)
        #expect(try response.isValidResponse(cmk: compound.cmk, nonce: binding.nonce))
        let done = server.peer.handle(.success)
        let csk = try PEAPKeys.compoundSessionKey(ipmk: compound.ipmk)
        #expect(done.last == .succeeded(PEAPKeyMaterial(msk: Array(csk.prefix(64)), cryptobound: true)))
    }

    @Test func aWrongCompoundMACFails() throws {
        var server = runToTunnel()
        _ = try #require(try innerMSCHAPv2(&server))
        var binding = PEAPCryptobindingTLV(subType: .request, nonce: [1])
        binding.compoundMAC = [UInt8](repeating: 0xEE, count: 20)
        let whole = PPPControlPacket.serialize(
            code: 1, identifier: 20, data: PEAPExtensionsMessage(result: .success, cryptobinding: binding).typeAndData)
        #expect(server.send(0x00, [0x17] + whole) == [.failed(.cryptobindingInvalid)])
    }

    @Test func withoutCryptobindingTheTLSKeysAreUsedUnlessRequired() throws {
        var server = runToTunnel()
        _ = try #require(try innerMSCHAPv2(&server))
        let whole = PPPControlPacket.serialize(
            code: 1, identifier: 20, data: PEAPExtensionsMessage(result: .success).typeAndData)
        _ = try server.tunnel(whole)
        #expect(
            server.peer.handle(.success).last
                == .succeeded(PEAPKeyMaterial(msk: Array(Self.keyMaterial.prefix(64)), cryptobound: false)))

        var strict = runToTunnel(requireCryptobinding: true)
        _ = try #require(try innerMSCHAPv2(&strict))
        #expect(strict.send(0x00, [0x17] + whole) == [.failed(.cryptobindingMissing)])
    }

    @Test func aWrongPasswordIsReportedAfterTheFailureResult() throws {
        var server = runToTunnel()
        #expect(try innerMSCHAPv2(&server, password: "another password") == nil)
        let whole = PPPControlPacket.serialize(
            code: 1, identifier: 21, data: PEAPExtensionsMessage(result: .failure).typeAndData)
        let actions = server.send(0x00, [0x17] + whole)
        #expect(actions.count == 2)
        guard case .respond(_, let data) = actions.first,
            case .failed(.innerAuthenticationFailed(let reason)) = actions.last
        else {
            Issue.record("unexpected: \(actions)")
            return
        }
        #expect(reason.contains("691"))
        #expect(try PEAPExtensionsMessage(parsing: data.dropFirst(3 + 5)[...]).result == .failure)
    }

    @Test func successBeforeTheInnerMethodFails() {
        var server = runToTunnel()
        #expect(server.peer.handle(.success) == [.failed(.prematureSuccess)])
    }

    @Test func tls13IsRefusedForNow() {
        var peer = PEAPPeer(
            engine: PassthroughTLSEngine(keyMaterial: Self.keyMaterial, version: .tls13), identity: "i",
            userName: "u", password: "p", random: SeededPPPRandom(seed: 1))
        _ = peer.handle(.request(identifier: 1, typeAndData: [25, 0x20]))
        _ = peer.handle(.request(identifier: 2, typeAndData: [25, 0x00, 0x16, 0x02]))
        #expect(
            peer.handle(.request(identifier: 3, typeAndData: [25, 0x00, 0x14, 0x0F])) == [.failed(.tls13NotSupported)])
    }
}
