public import SSTPCrypto

/// The Cryptobinding TLV (MS-PEAP 2.2.8.1.1): M = 0, Type 12, Length 56;
/// Value: Reserved (1), Version (1), RecvVersion (1), SubType (1), Nonce
/// (32), Compound_MAC (20).
public struct PEAPCryptobindingTLV: Hashable, Sendable {
    public enum SubType: UInt8, Hashable, Sendable {
        case request = 0
        case response = 1
    }

    public static let valueLength = 56
    /// Where Compound_MAC starts in the serialized TLV (4-octet header,
    /// then 4 octets, then the nonce).
    public static let macOffset = 40

    /// "MUST be set to 0" (MS-PEAP 2.2.8.1.1).
    public var version: UInt8
    /// The PEAP version the sender received (0 for PEAPv0).
    public var receivedVersion: UInt8
    public var subType: SubType
    public var nonce: [UInt8]
    public var compoundMAC: [UInt8]

    public init(
        version: UInt8 = 0, receivedVersion: UInt8 = 0, subType: SubType, nonce: [UInt8],
        compoundMAC: [UInt8] = [UInt8](repeating: 0, count: 20)
    ) {
        self.version = version
        self.receivedVersion = receivedVersion
        self.subType = subType
        self.nonce = Array((nonce + [UInt8](repeating: 0, count: 32)).prefix(32))
        self.compoundMAC = Array((compoundMAC + [UInt8](repeating: 0, count: 20)).prefix(20))
    }

    public init(tlv: PEAPTLV) throws(PEAPTLVError) {
        guard tlv.value.count == Self.valueLength else {
            throw .badLength(type: tlv.type, length: tlv.value.count, expected: Self.valueLength)
        }
        let v = tlv.value
        guard let subType = SubType(rawValue: v[3]) else { throw .invalidCryptobindingSubType(v[3]) }
        version = v[1]
        receivedVersion = v[2]
        self.subType = subType
        nonce = Array(v[4..<36])
        compoundMAC = Array(v[36..<56])
    }

    public var tlv: PEAPTLV {
        PEAPTLV(
            mandatory: false, type: PEAPTLV.cryptobindingType,
            value: [0, version, receivedVersion, subType.rawValue] + nonce + compoundMAC)
    }

    /// The TLV with Compound_MAC zeroed: the MAC's input (MS-PEAP 3.1.5.5).
    public var zeroedForMAC: [UInt8] {
        var copy = self
        copy.compoundMAC = [UInt8](repeating: 0, count: 20)
        return copy.tlv.serialized
    }

    /// This TLV's expected Compound MAC under `cmk`.
    public func expectedMAC(cmk: [UInt8]) throws(CryptoError) -> [UInt8] {
        try PEAPKeys.compoundMAC(cmk: cmk, zeroedCryptobindingTLV: zeroedForMAC)
    }

    /// MS-PEAP 3.2.5.3: the peer checks the request's SubType and MAC...
    public func isValidRequest(cmk: [UInt8]) throws(CryptoError) -> Bool {
        guard subType == .request else { return false }
        return constantTimeEqual(try expectedMAC(cmk: cmk), compoundMAC)
    }

    /// ...and answers with a response carrying the same nonce (MS-PEAP
    /// 3.2.5.3: "populating its Nonce field with the nonce supplied in the
    /// corresponding cryptobinding request") and its own MAC.
    public func response(cmk: [UInt8]) throws(CryptoError) -> PEAPCryptobindingTLV {
        var out = PEAPCryptobindingTLV(
            version: 0, receivedVersion: receivedVersion, subType: .response, nonce: nonce)
        out.compoundMAC = try out.expectedMAC(cmk: cmk)
        return out
    }

    /// MS-PEAP 3.3.5.3: the server checks the response.
    public func isValidResponse(cmk: [UInt8], nonce expectedNonce: [UInt8]) throws(CryptoError) -> Bool {
        guard subType == .response, constantTimeEqual(nonce, expectedNonce) else { return false }
        return constantTimeEqual(try expectedMAC(cmk: cmk), compoundMAC)
    }
}
