import SSTPCrypto
import Testing

@testable import PPP

/// PEAP wired into the client's EAP authenticatee (PPPEAPMethod.peap over
/// an engine factory): the PPP-level packets, the Nak, and the HLAK cut
/// from PEAP's MSK.
@Suite struct EAPAuthenticateePEAPTests {
    static let keyMaterial = PEAPPeerTests.keyMaterial

    static func factory() -> EAPTLSEngineFactory {
        EAPTLSEngineFactory { () throws(EAPTLSEngineFailure) in
            AnyEAPTLSEngine(PassthroughTLSEngine(keyMaterial: keyMaterial))
        }
    }

    struct Server {
        var session = EAPAuthenticatee(
            userName: PEAPPeerTests.user, password: PEAPPeerTests.password, identity: "inner@example.test",
            random: SeededPPPRandom(seed: 7), method: .peap(factory(), requireCryptobinding: false),
            keyLayout: .truncatedMasterKeys)
        var id: UInt8 = 1

        mutating func packet(code: UInt8, data: [UInt8]) throws -> [AuthenticationOutput] {
            defer { id &+= 1 }
            let bytes = PPPControlPacket.serialize(code: code, identifier: id, data: data)
            return session.receive(try PPPControlPacket(parsing: bytes[...]), now: .zero)
        }

        /// A PEAP Request; returns the Response's Data (Type onward).
        mutating func request(_ flags: UInt8, _ data: [UInt8]) throws -> [UInt8] {
            let outputs = try packet(code: EAPCode.request, data: [25, flags] + data)
            for case .send(let bytes) in outputs {
                let response = try PPPControlPacket(parsing: bytes[...])
                #expect(response.code == EAPCode.response)
                return Array(response.data)
            }
            Issue.record("no Response: \(outputs)")
            return []
        }

        mutating func tunnel(_ inner: [UInt8]) throws -> [UInt8] {
            let data = try request(0x00, [0x17] + inner)
            #expect(data.prefix(3) == [25, 0x00, 0x17])
            return Array(data.dropFirst(3))
        }
    }

    @Test func peapSuccessGivesTheHLAKFromItsMSK() throws {
        var server = Server()
        #expect(try server.request(0x21, []) == [25, 0x00, 0x16, 0x01])
        #expect(try server.request(0x00, [0x16, 0x02]) == [25, 0x00, 0x16, 0x10])
        #expect(try server.request(0x00, [0x14, 0x0F]) == [25, 0x00])
        #expect(try server.tunnel([1]) == [1] + Array("inner@example.test".utf8))
        let challenge = (0..<16).map { UInt8($0 * 3) }
        let body = CHAPChallengeOrResponse(value: challenge, name: Array("srv".utf8)).data
        let reply = try server.tunnel(EAPMSCHAPv2Packet(opCode: 1, msIdentifier: 9, body: body).typeAndData)
        let response = try EAPMSCHAPv2Packet(parsing: reply.dropFirst()[...])
        let value = try CHAPChallengeOrResponse(parsing: response.body[...])
        let verdict = try MSCHAPv2Exchange.verify(
            response: MSCHAPv2ResponseValue(parsing: value.value, protocolName: "test"), challenge: challenge,
            userName: PEAPPeerTests.user, password: PEAPPeerTests.password
        ).get()
        guard case .success(let message, _) = verdict else {
            Issue.record("the inner response did not verify")
            return
        }
        let success = EAPMSCHAPv2Packet(opCode: 3, msIdentifier: 9, body: Array(message.utf8)).typeAndData
        #expect(try server.tunnel(success) == [26, 3])
        let result = PPPControlPacket.serialize(
            code: 1, identifier: 20, data: PEAPExtensionsMessage(result: .success).typeAndData)
        _ = try server.tunnel(result)
        let outputs = try server.packet(code: EAPCode.success, data: [])
        var hlak: HigherLayerAuthenticationKey?
        for case .succeeded(let authenticated) in outputs { hlak = authenticated.higherLayerAuthenticationKey }
        // No cryptobinding: PEAP's MSK is the TLS Key_Material's first 64 bytes.
        let msk = Array(Self.keyMaterial.prefix(64))
        #expect(hlak?.bytes == Array(msk[0..<16] + msk[32..<48]))
    }

    /// RFC 3748 §5.3.1: EAP-MSCHAPv2 outside PEAP is Nak'd with PEAP.
    @Test func naksEAPMSCHAPv2WithPEAP() throws {
        var server = Server()
        let outputs = try server.packet(code: EAPCode.request, data: [26, 1, 1, 0, 4])
        var nak: [UInt8]?
        for case .send(let bytes) in outputs { nak = Array(try PPPControlPacket(parsing: bytes[...]).data) }
        #expect(nak == [3, 25])
    }
}
