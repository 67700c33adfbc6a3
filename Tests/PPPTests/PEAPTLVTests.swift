import ByteCoding
import Foundation
import PPP
import SSTPCrypto
import Testing
import VectorScripts

/// PEAPv0's TLVs (MS-PEAP 2.2.4, 2.2.8.1) and inner packet compression
/// (MS-PEAP 3.1.5.6).
@Suite struct PEAPTLVTests {
    func error(_ body: () throws(PEAPTLVError) -> Void) -> PEAPTLVError? {
        do throws(PEAPTLVError) {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func resultAndCryptobindingRoundTrip() throws {
        let nonce = (0..<32).map { UInt8($0) }
        let message = PEAPExtensionsMessage(
            result: .success, cryptobinding: PEAPCryptobindingTLV(subType: .request, nonce: nonce))
        let bytes = message.typeAndData
        // Type 33; Result: 80 03 00 02 00 01; Cryptobinding: 00 0c 00 38 ...
        #expect(Array(bytes.prefix(7)) == [33, 0x80, 0x03, 0x00, 0x02, 0x00, 0x01])
        #expect(Array(bytes[7..<15]) == [0x00, 0x0C, 0x00, 0x38, 0, 0, 0, 0])
        #expect(bytes.count == 1 + 6 + 60)
        #expect(try PEAPExtensionsMessage(parsing: bytes.dropFirst()) == message)
    }

    @Test func tlvsInAnyOrderAndOptionalUnknownOnesSkipped() throws {
        let binding = PEAPCryptobindingTLV(subType: .response, nonce: [7]).tlv
        let unknown = PEAPTLV(mandatory: false, type: 99, value: [1, 2])
        let bytes = PEAPTLV.serialize([binding, unknown, PEAPResult.failure.tlv])
        let parsed = try PEAPExtensionsMessage(parsing: bytes[...])
        #expect(parsed.result == .failure)
        #expect(parsed.cryptobinding?.subType == .response)
    }

    @Test func malformedTLVsGiveTypedErrors() {
        #expect(
            error { () throws(PEAPTLVError) in _ = try PEAPTLV.parseList([0x80, 0x03, 0x00][...]) }
                == .truncatedHeader(offset: 0))
        #expect(
            error { () throws(PEAPTLVError) in _ = try PEAPTLV.parseList([0x80, 0x03, 0x00, 0x05, 1][...]) }
                == .valueOverrunsPacket(type: 3, length: 5, remaining: 1))
        #expect(
            error { () throws(PEAPTLVError) in
                _ = try PEAPExtensionsMessage(parsing: [0x80, 0x03, 0x00, 0x01, 1][...])
            } == .badLength(type: 3, length: 1, expected: 2))
        #expect(
            error { () throws(PEAPTLVError) in
                _ = try PEAPExtensionsMessage(parsing: [0x80, 0x03, 0x00, 0x02, 0, 0][...])
            } == .invalidResult(0))
        let twice = PEAPTLV.serialize([PEAPResult.success.tlv, PEAPResult.success.tlv])
        #expect(
            error { () throws(PEAPTLVError) in _ = try PEAPExtensionsMessage(parsing: twice[...]) }
                == .duplicate(type: 3))
        let mandatoryUnknown = PEAPTLV(mandatory: true, type: 9, value: []).serialized
        #expect(
            error { () throws(PEAPTLVError) in _ = try PEAPExtensionsMessage(parsing: mandatoryUnknown[...]) }
                == .unsupportedMandatory(type: 9))
        var badSubType = PEAPCryptobindingTLV(subType: .request, nonce: []).tlv
        badSubType.value[3] = 2
        #expect(
            error { () throws(PEAPTLVError) in
                _ = try PEAPExtensionsMessage(parsing: badSubType.serialized[...])
            } == .invalidCryptobindingSubType(2))
        let shortBinding = PEAPTLV(mandatory: false, type: 12, value: [0, 0, 0, 0]).serialized
        #expect(
            error { () throws(PEAPTLVError) in _ = try PEAPExtensionsMessage(parsing: shortBinding[...]) }
                == .badLength(type: 12, length: 4, expected: 56))
    }

    @Test func cryptobindingResponseMatchesPythonAndValidates() throws {
        let data = try VectorScript.run("eap_keys.py")
        let object = try JSONSerialization.jsonObject(with: data)
        let json = try #require(object as? [String: Any])
        let peap = try #require(json["peap"] as? [String: String])
        let cmk = try #require(peap["cmk"].flatMap { [UInt8](hex: $0) })
        let nonce = try #require(peap["nonce"].flatMap { [UInt8](hex: $0) })
        let expected = try #require(peap["responseTLV"])

        // The server's request, MAC'd with the same CMK, validates; ours answers it.
        var request = PEAPCryptobindingTLV(subType: .request, nonce: nonce)
        request.compoundMAC = try request.expectedMAC(cmk: cmk)
        #expect(try request.isValidRequest(cmk: cmk))
        let response = try request.response(cmk: cmk)
        #expect(response.tlv.serialized.hexString == expected)
        #expect(try response.isValidResponse(cmk: cmk, nonce: nonce))
        // A wrong CMK or nonce, or a response passed off as a request, fails.
        var wrongKey = cmk
        wrongKey[0] ^= 1
        #expect(try !request.isValidRequest(cmk: wrongKey))
        #expect(try !response.isValidRequest(cmk: cmk))
        #expect(try !response.isValidResponse(cmk: cmk, nonce: [UInt8](repeating: 0, count: 32)))
    }

    @Test func innerPacketsAreCompressedExceptExtensions() {
        // MS-PEAP 3.1.5.6: Identity Request without its header...
        let identity: [UInt8] = [1, 5, 0, 5, 1]
        #expect(PEAPInnerPacket.compress(identity) == [1])
        #expect(PEAPInnerPacket.decompress([1], outerCode: 1, outerIdentifier: 5) == identity)
        // ...the EAP TLV Extensions packet with it.
        let extensions: [UInt8] = [1, 9, 0, 11, 33, 0x80, 0x03, 0x00, 0x02, 0x00, 0x01]
        #expect(PEAPInnerPacket.compress(extensions) == extensions)
        #expect(PEAPInnerPacket.decompress(extensions, outerCode: 1, outerIdentifier: 9) == extensions)
        // An MS-CHAPv2 challenge (type 26) gets the outer Code and Identifier.
        let challenge: [UInt8] = [26, 1, 7, 0, 4]
        #expect(PEAPInnerPacket.decompress(challenge, outerCode: 1, outerIdentifier: 3) == [1, 3, 0, 9] + challenge)
    }
}
