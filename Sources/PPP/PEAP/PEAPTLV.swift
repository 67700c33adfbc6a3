import ByteCoding

/// One TLV of PEAP's EAP TLV Extensions Method (MS-PEAP 2.2.4):
///
///     M (1 bit) | R (1 bit) | TLV_Type (14 bits) | Length (2) | Value
///
/// M: the receiver must support this TLV. R is reserved ("MUST be set to
/// zero when sent and MUST be ignored on receipt").
public struct PEAPTLV: Hashable, Sendable {
    public var mandatory: Bool
    public var type: UInt16
    public var value: [UInt8]

    public init(mandatory: Bool, type: UInt16, value: [UInt8]) {
        self.mandatory = mandatory
        self.type = type & 0x3FFF
        self.value = value
    }

    /// MS-PEAP 2.2.8.1.2.
    public static let resultType: UInt16 = 3
    /// MS-PEAP 2.2.8.1.1.
    public static let cryptobindingType: UInt16 = 12
    /// MS-PEAP 2.2.8.1.3: the SoH Response TLV is a Vendor-Specific TLV (7).
    public static let vendorSpecificType: UInt16 = 7

    public var serialized: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt16((mandatory ? 0x8000 : 0) | (type & 0x3FFF))
        out.appendUInt16(UInt16(truncatingIfNeeded: value.count))
        out += value
        return out
    }

    /// Splits a TLV list (MS-PEAP 2.2.4). Bytes after the last whole TLV
    /// are an error: each TLV's Length must account for everything.
    public static func parseList(_ bytes: ArraySlice<UInt8>) throws(PEAPTLVError) -> [PEAPTLV] {
        var reader = ByteReader(bytes)
        var out: [PEAPTLV] = []
        while !reader.isAtEnd {
            let offset = bytes.count - reader.remaining
            guard let head = reader.readUInt16(), let length = reader.readUInt16() else {
                throw .truncatedHeader(offset: offset)
            }
            let type = head & 0x3FFF
            guard let value = reader.readBytes(Int(length)) else {
                throw .valueOverrunsPacket(type: type, length: Int(length), remaining: reader.remaining)
            }
            out.append(PEAPTLV(mandatory: head & 0x8000 != 0, type: type, value: Array(value)))
        }
        return out
    }

    public static func serialize(_ tlvs: [PEAPTLV]) -> [UInt8] {
        tlvs.flatMap(\.serialized)
    }
}

/// The Result TLV (MS-PEAP 2.2.8.1.2): M = 1, Type 3, Length 2, Value 1
/// (Success) or 2 (Failure).
public enum PEAPResult: UInt16, Hashable, Sendable {
    case success = 1
    case failure = 2

    public init(tlv: PEAPTLV) throws(PEAPTLVError) {
        guard tlv.value.count == 2 else {
            throw .badLength(type: tlv.type, length: tlv.value.count, expected: 2)
        }
        let raw = UInt16(tlv.value[0]) << 8 | UInt16(tlv.value[1])
        guard let result = PEAPResult(rawValue: raw) else { throw .invalidResult(raw) }
        self = result
    }

    public var tlv: PEAPTLV {
        PEAPTLV(mandatory: true, type: PEAPTLV.resultType, value: [UInt8(rawValue >> 8), UInt8(rawValue & 0xff)])
    }
}
