/// The Flags octet of EAP-TLS (RFC 5216 §3.1) and of the methods that reuse
/// its framing, such as PEAP (MS-PEAP 2.2.2, where the low two bits carry
/// the PEAP version).
///
///     0 1 2 3 4 5 6 7
///     L M S R R R R R      EAP-TLS (R: reserved, sent as zero)
///     L M S A B C V V      PEAP (A, B, C reserved; V: Ver)
public struct EAPTLSFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// L: the four-octet TLS Message Length follows (RFC 5216 §3.1).
    public static let lengthIncluded = EAPTLSFlags(rawValue: 0x80)
    /// M: more fragments follow (RFC 5216 §3.1).
    public static let moreFragments = EAPTLSFlags(rawValue: 0x40)
    /// S: an EAP-TLS Start (RFC 5216 §3.1).
    public static let start = EAPTLSFlags(rawValue: 0x20)

    /// The low two bits: PEAP's Ver (MS-PEAP 2.2.2); zero and ignored for
    /// EAP-TLS, whose reserved bits "MUST be ignored on reception" (RFC 5216
    /// §3.1).
    public var version: UInt8 { rawValue & 0x03 }

    public static func version(_ value: UInt8) -> EAPTLSFlags {
        EAPTLSFlags(rawValue: value & 0x03)
    }
}
