import ByteCoding
import Foundation
import RADIUS
import Testing
import VectorScripts

@Suite struct RADIUSVectorTests {
    struct Vectors: Decodable {
        var secret: String
        var requestAuthenticator: String
        var eapResponse: String
        var state: String
        var accessRequest: String
        var accessAccept: String
        var recvKey: String
        var sendKey: String
        var recvKeyAttribute: String
        var password: String
        var hiddenPassword: String
    }

    static func vectors() throws -> Vectors {
        try VectorScript.decode(Vectors.self, from: "radius.py")
    }

    func bytes(_ hex: String) throws -> [UInt8] { try #require([UInt8](hex: hex)) }

    func error(_ body: () throws(RADIUSError) -> Void) -> RADIUSError? {
        do throws(RADIUSError) {
            try body()
            return nil
        } catch {
            return error
        }
    }

    /// RFC 2865 §7.1: the Access-Accept's Response Authenticator verifies
    /// against the Access-Request's Request Authenticator with the secret
    /// "xyzzy5461".
    @Test func rfc2865Section71ResponseAuthenticator() throws {
        let requestAuthenticator = try bytes("0f403f9473978057bd83d5cb98f4227a")
        let accept = try bytes(
            "0200002686fe220e7624ba2a1005f6bf9b55e0b206060000000 10f06000000000e06c0a80103"
                .replacingOccurrences(of: " ", with: ""))
        let packet = try RADIUSAuthentication.verifyResponse(
            accept[...], requestAuthenticator: requestAuthenticator, secret: Array("xyzzy5461".utf8))
        #expect(packet.code == RADIUSCode.accessAccept)
        #expect(packet.first(RADIUSAttributeType.serviceType) == [0, 0, 0, 1])
        #expect(packet.first(14) == [0xc0, 0xa8, 0x01, 0x03])  // Login-IP-Host 192.168.1.3
        #expect(
            error { () throws(RADIUSError) in
                _ = try RADIUSAuthentication.verifyResponse(
                    accept[...], requestAuthenticator: requestAuthenticator, secret: Array("xyzzy5462".utf8))
            } == .responseAuthenticatorMismatch)
    }

    @Test func accessRequestMatchesPython() throws {
        let v = try Self.vectors()
        let secret = Array(v.secret.utf8)
        let wire = try RADIUSEAP.accessRequest(
            identifier: 42, authenticator: bytes(v.requestAuthenticator), userName: "client@example.test",
            eapPacket: bytes(v.eapResponse), state: bytes(v.state), nasIdentifier: "sstp-test-server",
            framedMTU: 1400, secret: secret)
        #expect(wire.hexString == v.accessRequest)
        // The server side verifies it and gets the EAP packet back whole.
        let parsed = try RADIUSAuthentication.verifyRequest(wire[...], secret: secret)
        #expect(parsed.values(of: RADIUSAttributeType.eapMessage).map(\.count) == [253, 47])
        #expect(try RADIUSEAP.eapPacket(of: parsed) == bytes(v.eapResponse))
        // A flipped bit anywhere breaks the Message-Authenticator.
        var tampered = wire
        tampered[30] ^= 1
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSAuthentication.verifyRequest(tampered[...], secret: secret)
            }
                == .messageAuthenticatorMismatch)
    }

    @Test func accessAcceptFromPythonGivesTheKeys() throws {
        let v = try Self.vectors()
        let secret = Array(v.secret.utf8)
        let answer = try RADIUSEAP.interpret(
            bytes(v.accessAccept)[...], requestAuthenticator: bytes(v.requestAuthenticator), secret: secret)
        #expect(answer == .accept(eap: [3, 7, 0, 4], recvKey: try bytes(v.recvKey), sendKey: try bytes(v.sendKey)))
        // Our own encryption gives Python's bytes, and we sign the same Accept.
        let attribute = try RADIUSMPPEKey.encrypt(
            bytes(v.recvKey), salt: [0x80, 0x01], secret: secret, requestAuthenticator: bytes(v.requestAuthenticator))
        #expect(attribute.hexString == v.recvKeyAttribute)
        let parsed = try RADIUSPacket(parsing: bytes(v.accessAccept)[...])
        var unsigned = parsed
        unsigned.authenticator = [UInt8](repeating: 0, count: 16)
        let resigned = try RADIUSAuthentication.signResponse(
            unsigned, requestAuthenticator: bytes(v.requestAuthenticator), secret: secret)
        #expect(resigned.hexString == v.accessAccept)
    }

    @Test func userPasswordMatchesPython() throws {
        let v = try Self.vectors()
        let secret = Array(v.secret.utf8)
        let hidden = try RADIUSAuthentication.hidePassword(
            Array(v.password.utf8), secret: secret, requestAuthenticator: bytes(v.requestAuthenticator))
        #expect(hidden.hexString == v.hiddenPassword)
        #expect(
            try RADIUSAuthentication.revealPassword(
                hidden, secret: secret, requestAuthenticator: bytes(v.requestAuthenticator)) == Array(v.password.utf8))
    }
}

@Suite struct RADIUSCodecTests {
    func error(_ body: () throws(RADIUSError) -> Void) -> RADIUSError? {
        do throws(RADIUSError) {
            try body()
            return nil
        } catch {
            return error
        }
    }

    func header(code: UInt8 = 1, length: Int) -> [UInt8] {
        [code, 1, UInt8(length >> 8), UInt8(length & 0xff)] + [UInt8](repeating: 0, count: 16)
    }

    @Test func malformedPacketsGiveTypedErrors() {
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSPacket(parsing: [1, 2, 3][...]) }
                == .truncatedHeader(have: 3))
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSPacket(parsing: self.header(length: 19)[...]) }
                == .badPacketLength(declared: 19))
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSPacket(parsing: self.header(length: 4097)[...]) }
                == .badPacketLength(declared: 4097))
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSPacket(parsing: self.header(length: 30)[...]) }
                == .packetLengthExceedsData(declared: 30, available: 20))
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSPacket(parsing: (self.header(length: 21) + [1])[...]) }
                == .truncatedAttribute(offset: 20))
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSPacket(parsing: (self.header(length: 22) + [1, 1])[...]) }
                == .badAttributeLength(type: 1, length: 1, remaining: 0))
        #expect(
            error { () throws(RADIUSError) in _ = try RADIUSPacket(parsing: (self.header(length: 23) + [1, 5, 0])[...])
            }
                == .badAttributeLength(type: 1, length: 5, remaining: 1))
    }

    /// An Authenticator of the wrong length set after init still
    /// serializes as 16 octets (the first version wrote it as stored, so the
    /// packet came out short and its Length wrong).
    @Test func authenticatorIsAlwaysSixteenOctets() throws {
        var packet = RADIUSPacket(code: 2, identifier: 1, authenticator: [], attributes: [])
        packet.authenticator = [1, 2, 3]
        let wire = try packet.serialized()
        #expect(wire.count == 20)
        #expect(Array(wire[4..<20]) == [1, 2, 3] + [UInt8](repeating: 0, count: 13))
        #expect(try RADIUSPacket(parsing: wire[...]).authenticator == Array(wire[4..<20]))
    }

    @Test func paddingBeyondLengthIsIgnored() throws {
        let packet = try RADIUSPacket(parsing: (header(length: 23) + [1, 3, 0x41, 0xff, 0xff])[...])
        #expect(packet.attributes == [RADIUSAttribute(type: 1, value: [0x41])])
        #expect(try packet.serialized() == header(length: 23) + [1, 3, 0x41])
    }

    @Test func eapMessagesSplitAndJoin() throws {
        let eap: [UInt8] = [1, 2, 0x02, 0x00] + [UInt8](repeating: 9, count: 508)
        let attributes = RADIUSEAP.eapMessageAttributes(eap)
        #expect(attributes.map(\.value.count) == [253, 253, 6])
        let packet = RADIUSPacket(code: 11, identifier: 1, authenticator: [], attributes: attributes)
        #expect(try RADIUSEAP.eapPacket(of: packet) == eap)
        let broken = RADIUSPacket(code: 11, identifier: 1, authenticator: [], attributes: Array(attributes.prefix(2)))
        #expect(error { () throws(RADIUSError) in _ = try RADIUSEAP.eapPacket(of: broken) } == .malformedEAPMessage)
    }

    @Test func responseChecks() throws {
        let secret: [UInt8] = Array("s".utf8)
        let requestAuthenticator = [UInt8](repeating: 7, count: 16)
        // A Challenge with its State, signed our way, interprets back.
        let challenge = RADIUSPacket(
            code: RADIUSCode.accessChallenge, identifier: 3, authenticator: [],
            attributes: RADIUSEAP.eapMessageAttributes([1, 8, 0, 6, 13, 0x20])
                + [RADIUSAttribute(type: RADIUSAttributeType.state, value: [1, 2, 3])])
        let wire = try RADIUSAuthentication.signResponse(
            challenge, requestAuthenticator: requestAuthenticator, secret: secret)
        #expect(
            try RADIUSEAP.interpret(wire[...], requestAuthenticator: requestAuthenticator, secret: secret)
                == .challenge(eap: [1, 8, 0, 6, 13, 0x20], state: [1, 2, 3]))
        // EAP-Message without Message-Authenticator (RFC 3579 §3.3).
        var bare = challenge
        bare.authenticator = []
        var unsignedWire = try bare.serialized()
        let input = Array(unsignedWire[0..<4]) + requestAuthenticator + Array(unsignedWire[20...]) + secret
        let md5 = try digestForTest(input)
        unsignedWire.replaceSubrange(4..<20, with: md5)
        #expect(
            error { () throws(RADIUSError) in
                _ = try RADIUSAuthentication.verifyResponse(
                    unsignedWire[...], requestAuthenticator: requestAuthenticator, secret: secret)
            } == .missingMessageAuthenticator)
        // A Reject with a Reply-Message.
        let reject = RADIUSPacket(
            code: RADIUSCode.accessReject, identifier: 3, authenticator: [],
            attributes: [RADIUSAttribute(type: RADIUSAttributeType.replyMessage, string: "certificate revoked")])
        let rejectWire = try RADIUSAuthentication.signResponse(
            reject, requestAuthenticator: requestAuthenticator, secret: secret)
        #expect(
            try RADIUSEAP.interpret(rejectWire[...], requestAuthenticator: requestAuthenticator, secret: secret)
                == .reject(eap: nil, replyMessage: "certificate revoked"))
    }

    /// A Key-Length of 0 decrypts to an empty key, not a trap (the
    /// first version sliced plain[1...0]).
    @Test func mppeKeyOfLengthZero() throws {
        let ra = [UInt8](repeating: 1, count: 16)
        let data = try RADIUSMPPEKey.encrypt([], salt: [0x80, 0], secret: [1], requestAuthenticator: ra)
        #expect(try RADIUSMPPEKey.decrypt(data, secret: [1], requestAuthenticator: ra) == [])
    }

    @Test func mppeKeyRejectsMalformedData() {
        let ra = [UInt8](repeating: 1, count: 16)
        #expect(throws: RADIUSError.self) {
            _ = try RADIUSMPPEKey.decrypt([0x80, 1, 2], secret: [1], requestAuthenticator: ra)
        }
        #expect(
            error { () throws(RADIUSError) in
                _ = try RADIUSMPPEKey.decrypt(
                    [0x00, 1] + [UInt8](repeating: 0, count: 16), secret: [1], requestAuthenticator: ra)
            } == .malformedMPPEKey(reason: "salt without its high bit"))
    }
}

/// MD5 for building a deliberately unsigned packet in a test.
func digestForTest(_ input: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c", "import sys,hashlib;sys.stdout.write(hashlib.md5(bytes.fromhex(sys.argv[1])).hexdigest())",
        input.hexString,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return [UInt8](hex: String(decoding: data, as: UTF8.self)) ?? []
}
