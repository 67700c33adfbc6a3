/// PEAPv0's key hierarchy (MS-PEAP 3.1.5.5.2, 3.1.5.7): from the TLS
/// tunnel's key material and the inner method's keys to the Compound MAC
/// of the Cryptobinding TLV and the Compound Session Key.
public enum PEAPKeys {
    /// PRF+ of MS-PEAP 3.1.5.5.2.2 (RFC 4306 §2.13's PRF+ with HMAC-SHA1 and
    /// two zero octets after the counter):
    ///   T1 = HMAC-SHA1(K, S | 0x01 | 0x00 | 0x00)
    ///   Tn = HMAC-SHA1(K, Tn-1 | S | n | 0x00 | 0x00)
    public static func prfPlus(key: [UInt8], seed: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        guard length >= 0, length <= 255 * 20 else {
            throw .badLength(what: "PEAP PRF+ output", expected: 255 * 20, actual: length)
        }
        var out: [UInt8] = []
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while out.count < length {
            previous = try hmac(.sha1, key: key, data: previous + seed + [counter, 0x00, 0x00])
            out += previous
            counter &+= 1
        }
        return Array(out.prefix(length))
    }

    /// The Tunnel Key: the first 60 octets of RFC 5216's Key_Material,
    /// TLS-PRF-128(master secret, "client EAP encryption", client.random ||
    /// server.random) (MS-PEAP 3.1.5.5.2.1). The TLS engine exports it.
    public static let tunnelKeyLength = 60
    public static let tunnelKeyLabel = "client EAP encryption"

    /// The Inner Session Key (MS-PEAP 3.1.5.5.2.2): the peer's
    /// InnerMPPESendKey | InnerMPPERecvKey (the server's: Recv | Send), cut
    /// or zero-padded to 32 octets; 32 zeros when the inner method has no keys.
    public static func innerSessionKey(sendKey: [UInt8], receiveKey: [UInt8]) -> [UInt8] {
        let joined = sendKey + receiveKey
        if joined.count >= 32 { return Array(joined.prefix(32)) }
        return joined + [UInt8](repeating: 0, count: 32 - joined.count)
    }

    /// The ISK for EAP-MSCHAPv2 inside PEAP, the peer's view: its MPPE send
    /// key is the client MasterSendKey, its receive key the client
    /// MasterReceiveKey (RFC 3079 §3.4; MS-CHAP 3.1.5.1 for the peer's
    /// MS-MPPE attributes).
    public static func innerSessionKey(mschapv2Client keys: MPPEKeys) -> [UInt8] {
        innerSessionKey(sendKey: keys.masterSendKey, receiveKey: keys.masterReceiveKey)
    }

    /// IPMK and CMK (MS-PEAP 3.1.5.5.2.2):
    ///   TempKey   = the first 40 octets of TK
    ///   IPMK Seed = "Inner Methods Compound Keys" | ISK
    ///   IPMK | CMK = PRF+(TempKey, IPMK Seed, 60): IPMK 40 octets, CMK 20.
    public struct CompoundKeys: Hashable, Sendable {
        public let ipmk: [UInt8]
        public let cmk: [UInt8]
    }

    public static let ipmkSeedLabel = "Inner Methods Compound Keys"

    public static func compoundKeys(tunnelKey: [UInt8], innerSessionKey: [UInt8]) throws(CryptoError)
        -> CompoundKeys
    {
        guard tunnelKey.count >= 40 else {
            throw .badLength(what: "PEAP Tunnel Key", expected: tunnelKeyLength, actual: tunnelKey.count)
        }
        guard innerSessionKey.count == 32 else {
            throw .badLength(what: "PEAP Inner Session Key", expected: 32, actual: innerSessionKey.count)
        }
        let out = try prfPlus(
            key: Array(tunnelKey.prefix(40)), seed: Array(ipmkSeedLabel.utf8) + innerSessionKey, length: 60)
        return CompoundKeys(ipmk: Array(out[0..<40]), cmk: Array(out[40..<60]))
    }

    /// The Compound MAC of the Cryptobinding TLV (MS-PEAP 3.1.5.5):
    /// HMAC-SHA1-160(CMK, BUFFER), BUFFER being the whole 60-byte
    /// Cryptobinding TLV with its Compound_MAC zeroed, followed by the outer
    /// EAP Type octet (25). The caller zeroes the MAC field.
    public static func compoundMAC(cmk: [UInt8], zeroedCryptobindingTLV: [UInt8], outerType: UInt8 = 25)
        throws(CryptoError) -> [UInt8]
    {
        try hmac(.sha1, key: cmk, data: zeroedCryptobindingTLV + [outerType])
    }

    /// The Compound Session Key (MS-PEAP 3.1.5.7):
    ///   CSK = PRF+(IPMK, "Session Key Generating Function" | 0x00, 128).
    /// Its first 32 octets are the peer's MS-MPPE-Send-Key (the server's
    /// Recv-Key), the next 32 the peer's Recv-Key; the first 64 are the MSK.
    public static let cskSeedLabel = "Session Key Generating Function"

    public static func compoundSessionKey(ipmk: [UInt8]) throws(CryptoError) -> [UInt8] {
        try prfPlus(key: ipmk, seed: Array(cskSeedLabel.utf8) + [0x00], length: 128)
    }
}
