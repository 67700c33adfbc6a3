import ByteCoding
import Foundation
import SSTPWire
import Testing
import VectorScripts

@testable import SSTPCrypto

/// Compares our crypto binding with Tests/vectors/crypto_binding.py, which
/// computes the same values with Python's hashlib and hmac only.
@Suite struct CryptoBindingIndependentTests {
    struct Vectors: Decodable {
        struct Case: Decodable {
            var hash: String
            var hlakKind: String
            var hlak: String
            var cmk: String
            var certHash: String
            var compoundMAC: String
            var callConnected: String
        }
        var nonce: String
        var certificateDER: String
        var cases: [Case]
    }

    static func runScript() throws -> Vectors {
        try VectorScript.decode(Vectors.self, from: "crypto_binding.py")
    }

    @Test func matchesPython() throws {
        let vectors = try Self.runScript()
        #expect(vectors.cases.count == 4)
        let nonce = try #require([UInt8](hex: vectors.nonce))
        let der = try #require([UInt8](hex: vectors.certificateDER))
        // Our MS-CHAPv2 HLAK, derived from the RFC 2759 §9.2 password through
        // MD4 and our MPPE code; the script starts from PasswordHashHash.
        let passwordHash = try MSCHAPv2.ntPasswordHash(password: "clientPass")
        let ntResponse = [UInt8](hex: "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")!
        let keys = try MPPEKeys(passwordHash: passwordHash, ntResponse: ntResponse, role: .client)
        var seen: Set<String> = []
        for c in vectors.cases {
            let proto: CertHashProtocol = c.hash == "sha1" ? .sha1 : .sha256
            let hlak: HigherLayerAuthenticationKey =
                c.hlakKind == "zero" ? .zero : .mschapv2Client(keys)
            #expect(hlak.bytes.hexString == c.hlak, "HLAK \(c.hlakKind)")
            #expect(try CryptoBinding.compoundMACKey(hlak: hlak, using: proto).hexString == c.cmk)
            let message = try CryptoBinding.callConnected(
                nonce: nonce, hashProtocol: proto, certificateDER: der, hlak: hlak)
            #expect(message.cryptoBinding.certHash.hexString == c.certHash)
            #expect(message.cryptoBinding.compoundMAC.hexString == c.compoundMAC)
            #expect(message.serialized().hexString == c.callConnected)
            seen.insert("\(c.hlakKind)-\(c.hash)")
        }
        #expect(seen == ["mschapv2-sha1", "mschapv2-sha256", "zero-sha1", "zero-sha256"])
    }
}
