public import SSTPWire

/// The crypto binding of MS-SSTP 3.2.5.2: certificate hash, CMK, Compound
/// MAC, and the server's check of a received Call Connected.
public enum CryptoBinding {
    /// §3.2.5.2.3: the 29 ASCII bytes of the PRF+ seed, no terminator.
    static let cmkSeed = Array("SSTP inner method derived CMK".utf8)

    static func digestAlgorithm(_ p: CertHashProtocol) -> DigestAlgorithm {
        switch p {
        case .sha1: .sha1
        case .sha256: .sha256
        }
    }

    /// §3.2.5.2.2: SHA-1 or SHA-256 of the server certificate in DER form.
    public static func certificateHash(der: [UInt8], using hashProtocol: CertHashProtocol)
        throws(CryptoError) -> [UInt8]
    {
        try digest(digestAlgorithm(hashProtocol), der)
    }

    /// §3.2.5.2.3: CMK = the first 20 (SHA-1) or 32 (SHA-256) bytes of
    /// PRF+(HLAK, seed | LEN | 0x01), LEN a little-endian u16 of the output
    /// length. One HMAC output covers that length, so only T1 is needed.
    public static func compoundMACKey(
        hlak: HigherLayerAuthenticationKey, using hashProtocol: CertHashProtocol
    ) throws(CryptoError) -> [UInt8] {
        let length = hashProtocol.digestLength
        let input = cmkSeed + [UInt8(length & 0xff), UInt8(length >> 8), 0x01]
        let t1 = try hmac(digestAlgorithm(hashProtocol), key: hlak.bytes, data: input)
        return Array(t1.prefix(length))
    }

    /// §3.2.5.2.4: HMAC keyed with the CMK over the 112-byte Call Connected
    /// message whose Compound MAC field is zero.
    public static func compoundMAC(
        callConnectedWithZeroMAC message: [UInt8], cmk: [UInt8], using hashProtocol: CertHashProtocol
    ) throws(CryptoError) -> [UInt8] {
        try checkLength("Call Connected message", message, CallConnected.length)
        return try hmac(digestAlgorithm(hashProtocol), key: cmk, data: message)
    }

    /// Builds the client's Call Connected for the server's request: the hash
    /// the server asked for (SHA-256 when both are offered, §3.2.5.2), the
    /// nonce echoed, the hash of the certificate TLS verified, and the MAC.
    public static func callConnected(
        nonce: [UInt8], hashProtocol: CertHashProtocol, certificateDER: [UInt8],
        hlak: HigherLayerAuthenticationKey
    ) throws(CryptoError) -> CallConnected {
        let certHash = try certificateHash(der: certificateDER, using: hashProtocol)
        var message = CallConnected(
            cryptoBinding: CryptoBindingAttribute(
                hashProtocol: hashProtocol, nonce: nonce, certHash: certHash, compoundMAC: []))
        let cmk = try compoundMACKey(hlak: hlak, using: hashProtocol)
        let mac = try compoundMAC(
            callConnectedWithZeroMAC: message.serializedForMAC(), cmk: cmk, using: hashProtocol)
        message.cryptoBinding.compoundMAC = mac
        return message
    }

    /// Why a received crypto binding was refused (§3.3.5.2.3). Every case
    /// maps to CALL_ABORT with STATUS_INFO(CRYPTO_BINDING, VALUE_NOT_SUPPORTED).
    public enum Mismatch: Error, Hashable, Sendable, CustomStringConvertible {
        case hashProtocolNotOffered(CertHashProtocol)
        case nonce
        case certificateHash
        case compoundMAC

        public var description: String {
            switch self {
            case .hashProtocolNotOffered(let p):
                "the client used \(p), which the server did not offer"
            case .nonce: "the nonce is not the one the server sent"
            case .certificateHash:
                "the certificate hash is not the hash of the server's certificate (a TLS proxy in the path?)"
            case .compoundMAC:
                "the Compound MAC does not verify (the PPP keys differ: wrong password, or a relayed authentication)"
            }
        }
    }

    /// The server's check of §3.3.5.2.3, in the spec's order. The MAC is
    /// compared in constant time.
    public static func verify(
        _ message: CallConnected, offered: HashProtocolBitmask, nonce: [UInt8],
        certificateDER: [UInt8], hlak: HigherLayerAuthenticationKey
    ) throws(CryptoError) -> Mismatch? {
        let binding = message.cryptoBinding
        let proto = binding.hashProtocol
        let offeredProto: HashProtocolBitmask = proto == .sha1 ? .sha1 : .sha256
        guard offered.contains(offeredProto) else { return .hashProtocolNotOffered(proto) }
        guard constantTimeEqual(binding.nonce, nonce) else { return .nonce }
        let expectedHash = try certificateHash(der: certificateDER, using: proto)
        guard constantTimeEqual(binding.certHash, expectedHash) else { return .certificateHash }
        let cmk = try compoundMACKey(hlak: hlak, using: proto)
        let expectedMAC = try compoundMAC(
            callConnectedWithZeroMAC: message.serializedForMAC(), cmk: cmk, using: proto)
        guard constantTimeEqual(binding.compoundMAC, expectedMAC) else { return .compoundMAC }
        return nil
    }
}
