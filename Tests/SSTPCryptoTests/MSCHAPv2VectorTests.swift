import ByteCoding
import Testing

@testable import SSTPCrypto

/// RFC 2759 §9.2 and RFC 3079 §3.5 sample values, byte for byte.
@Suite struct MSCHAPv2VectorTests {
    static let userName = "User"
    static let password = "clientPass"
    static let authenticatorChallenge = [UInt8](hex: "5B5D7C7D7B3F2F3E3C2C602132262628")!
    static let peerChallenge = [UInt8](hex: "21402324255E262A28295F2B3A337C7E")!

    @Test func challengeHash() throws {
        let hash = try MSCHAPv2.challengeHash(
            peerChallenge: Self.peerChallenge, authenticatorChallenge: Self.authenticatorChallenge,
            userName: Self.userName)
        #expect(hash.hexString == "d02e4386bce91226")
    }

    @Test func domainPrefixIsStripped() throws {
        let plain = try MSCHAPv2.challengeHash(
            peerChallenge: Self.peerChallenge, authenticatorChallenge: Self.authenticatorChallenge,
            userName: "User")
        let prefixed = try MSCHAPv2.challengeHash(
            peerChallenge: Self.peerChallenge, authenticatorChallenge: Self.authenticatorChallenge,
            userName: "CORP\\User")
        #expect(plain == prefixed)
    }

    @Test func passwordHashes() throws {
        let hash = try MSCHAPv2.ntPasswordHash(password: Self.password)
        #expect(hash.hexString == "44ebba8d5312b8d611474411f56989ae")
        #expect(try MSCHAPv2.hashNtPasswordHash(hash).hexString == "41c00c584bd2d91c4017a2a12fa59f3f")
    }

    @Test func ntResponse() throws {
        let response = try MSCHAPv2.generateNTResponse(
            authenticatorChallenge: Self.authenticatorChallenge, peerChallenge: Self.peerChallenge,
            userName: Self.userName, passwordHash: MSCHAPv2.ntPasswordHash(password: Self.password))
        #expect(response.hexString.uppercased() == "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
    }

    @Test func authenticatorResponse() throws {
        let hash = try MSCHAPv2.ntPasswordHash(password: Self.password)
        let nt = [UInt8](hex: "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")!
        let response = try MSCHAPv2.generateAuthenticatorResponse(
            passwordHash: hash, ntResponse: nt, peerChallenge: Self.peerChallenge,
            authenticatorChallenge: Self.authenticatorChallenge, userName: Self.userName)
        #expect(response == "S=407A5589115FD0D6209F510FE9C04566932CDA56")
        #expect(
            try MSCHAPv2.checkAuthenticatorResponse(
                received: "S=407a5589115fd0d6209f510fe9c04566932cda56", passwordHash: hash,
                ntResponse: nt, peerChallenge: Self.peerChallenge,
                authenticatorChallenge: Self.authenticatorChallenge, userName: Self.userName))
        // One digit off must fail.
        #expect(
            try !MSCHAPv2.checkAuthenticatorResponse(
                received: "S=407A5589115FD0D6209F510FE9C04566932CDA57", passwordHash: hash,
                ntResponse: nt, peerChallenge: Self.peerChallenge,
                authenticatorChallenge: Self.authenticatorChallenge, userName: Self.userName))
    }

    @Test func mppeMasterAndStartKeys() throws {
        let hash = try MSCHAPv2.ntPasswordHash(password: Self.password)
        let nt = [UInt8](hex: "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")!
        let client = try MPPEKeys(passwordHash: hash, ntResponse: nt, role: .client)
        #expect(client.masterKey.hexString.uppercased() == "FDECE3717A8C838CB388E527AE3CDD31")
        // RFC 3079 §3.5.3 prints the server's send key (Magic3); that is the
        // client's receive key. The client's send key uses Magic2.
        #expect(client.masterReceiveKey.hexString.uppercased() == "8B7CDC149B993A1BA118CB153F56DCCB")
        #expect(client.masterSendKey.hexString.uppercased() == "D5F0E9521E3EA9589645E86051C82226")
        let server = try MPPEKeys(passwordHash: hash, ntResponse: nt, role: .server)
        #expect(server.masterSendKey == client.masterReceiveKey)
        #expect(server.masterReceiveKey == client.masterSendKey)
        #expect(HigherLayerAuthenticationKey.mschapv2Client(client) == .mschapv2Server(server))
    }

    @Test func mppeSessionKeys() throws {
        let master = [UInt8](hex: "FDECE3717A8C838CB388E527AE3CDD31")!
        let start128 = try MPPEKeys.asymmetricStartKey(
            masterKey: master, length: 16, isSend: true, isServer: true)
        #expect(start128.hexString.uppercased() == "8B7CDC149B993A1BA118CB153F56DCCB")
        // RFC 3079 §3.5.3 SendSessionKey128.
        #expect(
            try MPPEKeys.initialSessionKey(startKey: start128, strength: .bits128).hexString.uppercased()
                == "405CB2247A7956E6E211007AE27B22D4")
        // RFC 3079 §3.5.1: the 40-bit key is SHA-derived then salted D1 26 9E.
        let start40 = try MPPEKeys.asymmetricStartKey(
            masterKey: master, length: 8, isSend: true, isServer: true)
        #expect(start40.hexString.uppercased() == "8B7CDC149B993A1B")
        #expect(
            try MPPEKeys.newKeyFromSHA(startKey: start40, sessionKey: start40, length: 8).hexString
                == "965c00c49fa62e3e")
        #expect(
            try MPPEKeys.initialSessionKey(startKey: start40, strength: .bits40).hexString.uppercased()
                == "D1269EC49FA62E3E")
    }

    @Test func missingLegacyProviderIsNamed() throws {
        let result = LibCrypto.load(modulesPath: "/nonexistent-ossl-modules")
        guard case .failure(let error) = result, case .legacyProviderMissing = error else {
            Issue.record("expected legacyProviderMissing, got \(result)")
            return
        }
        #expect(error.description.contains("\"legacy\" provider"))
        #expect(error.description.contains("MD4"))
    }

    @Test func badLengthsAreTypedErrors() {
        #expect(throws: CryptoError.badLength(what: "Challenge", expected: 8, actual: 7)) {
            try MSCHAPv2.challengeResponse(
                challenge: [UInt8](repeating: 0, count: 7), passwordHash: [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: CryptoError.badLength(what: "Peer-Challenge", expected: 16, actual: 0)) {
            try MSCHAPv2.challengeHash(
                peerChallenge: [], authenticatorChallenge: Self.authenticatorChallenge, userName: "u")
        }
    }

    @Test func desKeyExpansionMatchesKnownBlock() throws {
        // A known DES answer: key 0x0123456789ABCDEF with the classic plaintext
        // "Now is t" (FIPS 81 sample) gives 3FA40E8A984D4815. The 7-byte form
        // of that key (parity bits removed) must expand back to the same key.
        let key = [UInt8](hex: "0123456789ABCDEF")!
        #expect(expandDESKey(compressDESKey(key)) == key.map { $0 & 0xfe })
        let block = try desEncryptBlock(
            clear: Array("Now is t".utf8)[...], key7: compressDESKey([UInt8](hex: "0123456789ABCDEF")!)[...])
        #expect(block.hexString.uppercased() == "3FA40E8A984D4815")
    }
}

/// The inverse of expandDESKey: drops each byte's parity bit.
func compressDESKey(_ k: [UInt8]) -> [UInt8] {
    var bits: [UInt8] = []
    for byte in k {
        for i in (1...7).reversed() { bits.append((byte >> UInt8(i)) & 1) }
    }
    var out = [UInt8](repeating: 0, count: 7)
    for (i, bit) in bits.enumerated() { out[i / 8] |= bit << UInt8(7 - i % 8) }
    return out
}
