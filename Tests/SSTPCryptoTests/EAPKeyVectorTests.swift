import ByteCoding
import Foundation
import SSTPWire
import Testing
import VectorScripts

@testable import SSTPCrypto

/// Compares the TLS PRF, the EAP HLAK layouts and PEAPv0's key hierarchy
/// with Tests/vectors/eap_keys.py (Python's hashlib and hmac only).
@Suite struct EAPKeyVectorTests {
    struct Vectors: Decodable {
        struct SSTPCase: Decodable {
            var hash: String
            var layout: String
            var hlak: String
            var cmk: String
            var compoundMAC: String
            var callConnected: String
        }
        struct PEAP: Decodable {
            var tunnelKey: String
            var innerSessionKey: String
            var ipmk: String
            var cmk: String
            var nonce: String
            var responseTLV: String
            var compoundMAC: String
            var csk: String
            var hlak: String
        }
        var masterSecret: String
        var clientRandom: String
        var serverRandom: String
        var keyMaterial: String
        var msk: String
        var emsk: String
        var nonce: String
        var certificateDER: String
        var sstp: [SSTPCase]
        var peap: PEAP
    }

    static func vectors() throws -> Vectors {
        try VectorScript.decode(Vectors.self, from: "eap_keys.py")
    }

    func bytes(_ hex: String) throws -> [UInt8] { try #require([UInt8](hex: hex)) }

    /// The TLS 1.2 PRF (P_SHA256) test vector published on the IETF TLS
    /// working group list (secret, seed and label "test label"), first 16
    /// bytes of its 100-byte output.
    @Test func tlsPRFPublishedVector() throws {
        let out = try TLSPRF.prf(
            secret: bytes("9bbe436ba940f017b17652849a71db35"), label: "test label",
            seed: bytes("a0ba9f936cda311827a6f796ffd5198c"), length: 16)
        #expect(out.hexString == "e3f229ba727be17b8d122620557cd453")
    }

    @Test func eapTLSKeyMaterialMatchesPython() throws {
        let v = try Self.vectors()
        let material = try TLSPRF.prf(
            secret: bytes(v.masterSecret), label: "client EAP encryption",
            seed: bytes(v.clientRandom) + bytes(v.serverRandom), length: 128)
        #expect(material.hexString == v.keyMaterial)
        #expect(Array(material.prefix(64)).hexString == v.msk)
        #expect(Array(material.suffix(64)).hexString == v.emsk)
    }

    @Test func eapHLAKAndBindingMatchPython() throws {
        let v = try Self.vectors()
        let msk = try bytes(v.msk)
        let nonce = try bytes(v.nonce)
        let der = try bytes(v.certificateDER)
        var seen: Set<String> = []
        for c in v.sstp {
            let layout: HigherLayerAuthenticationKey.EAPKeyLayout =
                c.layout == "masterSessionKey" ? .masterSessionKey : .truncatedMasterKeys
            let hlak = HigherLayerAuthenticationKey.eap(msk: msk, layout: layout)
            #expect(hlak.bytes.hexString == c.hlak, "HLAK \(c.layout)")
            // The authenticator's view from RADIUS's MS-MPPE keys: the same bytes.
            let server = HigherLayerAuthenticationKey.eapServer(
                mppeRecvKey: Array(msk[0..<32]), mppeSendKey: Array(msk[32..<64]), layout: layout)
            #expect(server == hlak)
            let proto: CertHashProtocol = c.hash == "sha1" ? .sha1 : .sha256
            #expect(try CryptoBinding.compoundMACKey(hlak: hlak, using: proto).hexString == c.cmk)
            let message = try CryptoBinding.callConnected(
                nonce: nonce, hashProtocol: proto, certificateDER: der, hlak: hlak)
            #expect(message.cryptoBinding.compoundMAC.hexString == c.compoundMAC)
            #expect(message.serialized().hexString == c.callConnected)
            seen.insert("\(c.layout)-\(c.hash)")
        }
        #expect(seen.count == 4)
    }

    @Test func peapKeyHierarchyMatchesPython() throws {
        let v = try Self.vectors()
        let p = v.peap
        let material = try bytes(v.keyMaterial)
        #expect(Array(material.prefix(PEAPKeys.tunnelKeyLength)).hexString == p.tunnelKey)
        // The ISK from our own MS-CHAPv2 keys (RFC 2759 §9.2 password).
        let passwordHash = try MSCHAPv2.ntPasswordHash(password: "clientPass")
        let ntResponse = try bytes("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
        let keys = try MPPEKeys(passwordHash: passwordHash, ntResponse: ntResponse, role: .client)
        let isk = PEAPKeys.innerSessionKey(mschapv2Client: keys)
        #expect(isk.hexString == p.innerSessionKey)
        let compound = try PEAPKeys.compoundKeys(tunnelKey: bytes(p.tunnelKey), innerSessionKey: isk)
        #expect(compound.ipmk.hexString == p.ipmk)
        #expect(compound.cmk.hexString == p.cmk)
        var zeroed = try bytes(p.responseTLV)
        for i in 40..<60 { zeroed[i] = 0 }
        let mac = try PEAPKeys.compoundMAC(cmk: compound.cmk, zeroedCryptobindingTLV: zeroed)
        #expect(mac.hexString == p.compoundMAC)
        let csk = try PEAPKeys.compoundSessionKey(ipmk: compound.ipmk)
        #expect(csk.hexString == p.csk)
        // PEAP is "other EAP" for MS-SSTP 3.2.5.2.4: the first 32 MSK bytes.
        #expect(HigherLayerAuthenticationKey.eap(msk: Array(csk.prefix(64))).bytes.hexString == p.hlak)
    }

    @Test func shortInputsAreTypedErrors() {
        #expect(throws: CryptoError.self) {
            _ = try PEAPKeys.compoundKeys(tunnelKey: [1, 2, 3], innerSessionKey: [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: CryptoError.self) {
            _ = try PEAPKeys.compoundKeys(
                tunnelKey: [UInt8](repeating: 0, count: 60), innerSessionKey: [1])
        }
        #expect(throws: CryptoError.self) { _ = try TLSPRF.prf(secret: [1], label: "x", seed: [], length: -1) }
        #expect(PEAPKeys.innerSessionKey(sendKey: [1], receiveKey: [2]).count == 32)
    }
}
