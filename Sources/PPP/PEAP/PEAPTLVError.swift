/// What can be wrong with the TLVs of PEAP's EAP TLV Extensions Method
/// (MS-PEAP 2.2.4, 2.2.8). Each case names the rule broken.
public enum PEAPTLVError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than the 4 octets of M, R, TLV_Type and Length (MS-PEAP 2.2.4).
    case truncatedHeader(offset: Int)
    /// A Length that runs past the end of the packet (MS-PEAP 2.2.4).
    case valueOverrunsPacket(type: UInt16, length: Int, remaining: Int)
    /// A TLV whose Length is not the one its section fixes (Result: 2,
    /// MS-PEAP 2.2.8.1.2; Cryptobinding: 56, MS-PEAP 2.2.8.1.1).
    case badLength(type: UInt16, length: Int, expected: Int)
    /// A Result TLV whose value is neither 1 (Success) nor 2 (Failure)
    /// (MS-PEAP 2.2.8.1.2: the others "MUST NOT be sent").
    case invalidResult(UInt16)
    /// A Cryptobinding SubType other than 0 (request) or 1 (response)
    /// (MS-PEAP 2.2.8.1.1).
    case invalidCryptobindingSubType(UInt8)
    /// The same TLV twice in one message.
    case duplicate(type: UInt16)
    /// A TLV with M set that PEAPv0 does not define (MS-PEAP 2.2.4: M means
    /// the receiver must understand it).
    case unsupportedMandatory(type: UInt16)
    /// Not an EAP TLV Extensions packet (Type 33, MS-PEAP 2.2.8.1), or its
    /// EAP header is cut or inconsistent (RFC 3748 §4).
    case notExtensionsPacket

    public var description: String {
        switch self {
        case .truncatedHeader(let offset):
            "PEAP TLV header cut short at offset \(offset)"
        case .valueOverrunsPacket(let type, let length, let remaining):
            "PEAP TLV \(type) claims \(length) bytes, only \(remaining) remain"
        case .badLength(let type, let length, let expected):
            "PEAP TLV \(type) has length \(length), not \(expected)"
        case .invalidResult(let value):
            "PEAP Result TLV with value \(value), neither Success (1) nor Failure (2)"
        case .invalidCryptobindingSubType(let value):
            "PEAP Cryptobinding TLV with SubType \(value), neither request (0) nor response (1)"
        case .duplicate(let type):
            "PEAP TLV \(type) appears twice"
        case .unsupportedMandatory(let type):
            "PEAP TLV \(type) is marked mandatory but PEAPv0 does not define it"
        case .notExtensionsPacket:
            "not a PEAP EAP TLV Extensions packet"
        }
    }
}
