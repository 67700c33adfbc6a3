import ByteCoding
import SSTPWire
import Testing

@testable import SSTPCrypto

/// MS-SSTP §4.7's two crypto-binding examples, from nonce, certificate hash
/// and HLAK to the Compound MAC.
@Suite struct CryptoBindingVectorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var proto: CertHashProtocol
        var nonce: String
        var certHash: String
        var hlak: String
        var cmk: String
        var mac: String
        var testDescription: String { proto.description }
    }

    static let cases = [
        Case(
            proto: .sha256,
            nonce: "412b489aebd7ecc7d08966f26be7cd72b231a0e9210d7c91b308862b0344c435",
            certHash: "7993ef314c493dace9f02d60e7e61c84b6690aafe9d7aeea92cbbe8ad599422d",
            hlak: "2a1bb40d55ab0f5ef32f06f2b3cc73c48fd3fac41d7a1315a19228d9024ca164",
            cmk: "ecf59ac9fe155cf0a9e7d66adc1b363c1ad7ba91a9217f0cec2a534298828df6",
            mac: "52a68efd8cffbf52770b8f0fe8ec73716583af6d611eb6d179b3b20840985449"),
        Case(
            proto: .sha1,
            nonce: "0f1a2d58d4a3e3000fad3ce4906e07b707aa9e441cceac5cbd7b2cc1c9d86cdf",
            certHash: "5826b629bda59b8e6fd8dcd2622fd34c534805a5",
            hlak: "4b3128f43925d9006eefb1c4e86515a1d88e56bab3ca2bdf0373b7f5a8a13b19",
            cmk: "a98b862a38cc7e224b42cd128586acb22f0bd1e9",
            mac: "69915dd583d8062fef16f61db2f03290ec27cb6c"),
    ]

    @Test(arguments: cases) func specExample(_ c: Case) throws {
        let hlak = HigherLayerAuthenticationKey(keyMaterial: [UInt8](hex: c.hlak)!)
        let cmk = try CryptoBinding.compoundMACKey(hlak: hlak, using: c.proto)
        #expect(cmk.hexString == c.cmk)
        var message = CallConnected(
            cryptoBinding: CryptoBindingAttribute(
                hashProtocol: c.proto, nonce: [UInt8](hex: c.nonce)!,
                certHash: [UInt8](hex: c.certHash)!, compoundMAC: []))
        let mac = try CryptoBinding.compoundMAC(
            callConnectedWithZeroMAC: message.serializedForMAC(), cmk: cmk, using: c.proto)
        #expect(mac.hexString == c.mac)
        message.cryptoBinding.compoundMAC = mac
        // The 112-byte message carries the values where §2.2.7 puts them,
        // with SHA-1 values padded by 12 zero bytes.
        let bytes = message.serialized()
        #expect(bytes.count == 112)
        #expect(Array(bytes[0..<16]).hexString == "1001007000040001000300680000000" + String(c.proto.rawValue))
        #expect(Array(bytes[16..<48]).hexString == c.nonce)
        let pad = String(repeating: "00", count: 32 - c.proto.digestLength)
        #expect(Array(bytes[48..<80]).hexString == c.certHash + pad)
        #expect(Array(bytes[80..<112]).hexString == c.mac + pad)
        let reparsed = try SSTPPacket(parsing: bytes, options: .strict)
        #expect(reparsed == .control(.callConnected(message)))
    }

    @Test func buildAndVerifyAgree() throws {
        let der = Array("a certificate in DER form".utf8)
        let nonce = try SystemRandom.bytes(32)
        let hlak = HigherLayerAuthenticationKey(keyMaterial: try SystemRandom.bytes(32))
        for proto in [CertHashProtocol.sha1, .sha256] {
            let message = try CryptoBinding.callConnected(
                nonce: nonce, hashProtocol: proto, certificateDER: der, hlak: hlak)
            #expect(
                try CryptoBinding.verify(
                    message, offered: [.sha1, .sha256], nonce: nonce, certificateDER: der, hlak: hlak)
                    == nil)
            // Each field, changed, is caught by its own check.
            #expect(
                try CryptoBinding.verify(
                    message, offered: [.sha1, .sha256], nonce: Array(nonce.reversed()),
                    certificateDER: der, hlak: hlak) == .nonce)
            #expect(
                try CryptoBinding.verify(
                    message, offered: [.sha1, .sha256], nonce: nonce, certificateDER: der + [0],
                    hlak: hlak) == .certificateHash)
            #expect(
                try CryptoBinding.verify(
                    message, offered: [.sha1, .sha256], nonce: nonce, certificateDER: der, hlak: .zero)
                    == .compoundMAC)
            let other: HashProtocolBitmask = proto == .sha1 ? .sha256 : .sha1
            #expect(
                try CryptoBinding.verify(
                    message, offered: other, nonce: nonce, certificateDER: der, hlak: hlak)
                    == .hashProtocolNotOffered(proto))
        }
    }

    @Test func hlakPaddingAndCutting() {
        #expect(HigherLayerAuthenticationKey.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(HigherLayerAuthenticationKey(keyMaterial: [1, 2]).bytes == [1, 2] + [UInt8](repeating: 0, count: 30))
        #expect(HigherLayerAuthenticationKey(keyMaterial: Array(0..<64)).bytes == Array(0..<32))
    }

    @Test func certificateHashIsOverDER() throws {
        // SHA-256("abc") and SHA-1("abc") (FIPS 180-2 examples).
        #expect(
            try CryptoBinding.certificateHash(der: Array("abc".utf8), using: .sha256).hexString
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            try CryptoBinding.certificateHash(der: Array("abc".utf8), using: .sha1).hexString
                == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
