import ByteCoding

/// The TLVs of one EAP TLV Extensions Method packet (Type 33, MS-PEAP
/// 2.2.8.1), understood: "PEAP implementations MUST transmit only the
/// following TLVs: Cryptobinding TLV, Result TLV, and SoH Response TLV", in
/// any order ("The receiver MUST NOT assume any order of the TLVs").
public struct PEAPExtensionsMessage: Hashable, Sendable {
    public static let eapType: UInt8 = 33

    public var result: PEAPResult?
    public var cryptobinding: PEAPCryptobindingTLV?
    /// Vendor-Specific TLVs (SoH Response, MS-PEAP 2.2.8.1.3), kept as is.
    public var vendorSpecific: [PEAPTLV]

    public init(
        result: PEAPResult? = nil, cryptobinding: PEAPCryptobindingTLV? = nil, vendorSpecific: [PEAPTLV] = []
    ) {
        self.result = result
        self.cryptobinding = cryptobinding
        self.vendorSpecific = vendorSpecific
    }

    /// From the Type-Data (after the Type octet 33).
    public init(parsing typeData: ArraySlice<UInt8>) throws(PEAPTLVError) {
        self.init()
        for tlv in try PEAPTLV.parseList(typeData) {
            switch tlv.type {
            case PEAPTLV.resultType:
                guard result == nil else { throw .duplicate(type: tlv.type) }
                result = try PEAPResult(tlv: tlv)
            case PEAPTLV.cryptobindingType:
                guard cryptobinding == nil else { throw .duplicate(type: tlv.type) }
                cryptobinding = try PEAPCryptobindingTLV(tlv: tlv)
            case PEAPTLV.vendorSpecificType:
                vendorSpecific.append(tlv)
            default:
                // MS-PEAP 2.2.4: a TLV with M set must be understood; one
                // without may be skipped.
                if tlv.mandatory { throw .unsupportedMandatory(type: tlv.type) }
            }
        }
    }

    /// Type 33 and the TLVs: Result first, then Cryptobinding (any order is
    /// allowed; this is the one Windows sends).
    public var typeAndData: [UInt8] {
        var tlvs: [PEAPTLV] = []
        if let result { tlvs.append(result.tlv) }
        if let cryptobinding { tlvs.append(cryptobinding.tlv) }
        tlvs += vendorSpecific
        return [Self.eapType] + PEAPTLV.serialize(tlvs)
    }
}

/// PEAPv0's compression of the inner EAP packets (MS-PEAP 3.1.5.6): inside
/// the tunnel, inner packets go without Code, Identifier and Length, except
/// the EAP TLV Extensions Method (33) and the expanded-type (254) methods
/// (Capabilities Negotiation, SoH), which keep their header.
public enum PEAPInnerPacket {
    static func keepsHeader(_ type: UInt8) -> Bool { type == 33 || type == 254 }

    /// What goes into the tunnel for a whole inner EAP packet (Code onward).
    public static func compress(_ packet: [UInt8]) -> [UInt8] {
        guard packet.count > 4 else { return packet }
        if keepsHeader(packet[4]) { return packet }
        return Array(packet.dropFirst(4))
    }

    /// The whole inner EAP packet for what came out of the tunnel, taking
    /// Code and Identifier from the outer packet and Length from the data
    /// (MS-PEAP 3.1.5.6). Data that already is a whole EAP packet of a type
    /// that keeps its header (Length matching, Type 33 or 254) stays as it is.
    public static func decompress(_ data: [UInt8], outerCode: UInt8, outerIdentifier: UInt8) -> [UInt8] {
        if data.count >= 5, data[0] == 1 || data[0] == 2, keepsHeader(data[4]) {
            let length = Int(data[2]) << 8 | Int(data[3])
            if length == data.count { return data }
        }
        return PPPControlPacket.serialize(code: outerCode, identifier: outerIdentifier, data: data)
    }
}
