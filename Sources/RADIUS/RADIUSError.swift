/// What can be wrong with a RADIUS packet or attribute (RFC 2865 §3, §5;
/// RFC 3579 §3; RFC 2548 §2.4). Each case names the rule broken.
public enum RADIUSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than the 20 octets of Code, Identifier, Length, Authenticator.
    case truncatedHeader(have: Int)
    /// RFC 2865 §3: Length is 20..4096.
    case badPacketLength(declared: Int)
    /// RFC 2865 §3: a packet shorter than its Length "MUST be silently discarded".
    case packetLengthExceedsData(declared: Int, available: Int)
    /// An attribute header cut short (RFC 2865 §5: Type, Length).
    case truncatedAttribute(offset: Int)
    /// RFC 2865 §5: an attribute Length below 2, or past the packet.
    case badAttributeLength(type: UInt8, length: Int, remaining: Int)
    /// The packet would exceed 4096 octets (RFC 2865 §3).
    case packetTooLong(length: Int)
    /// Message-Authenticator whose length is not 16 (RFC 3579 §3.2).
    case badMessageAuthenticatorLength(Int)
    /// Two Message-Authenticator attributes in one packet (RFC 3579 §3.3:
    /// at most one).
    case duplicateMessageAuthenticator
    /// RFC 3579 §3.3: a packet with EAP-Message but no Message-Authenticator
    /// "MUST be silently discarded".
    case missingMessageAuthenticator
    /// The Message-Authenticator does not verify (RFC 3579 §3.2).
    case messageAuthenticatorMismatch
    /// The Response Authenticator does not verify (RFC 2865 §3).
    case responseAuthenticatorMismatch
    /// The joined EAP-Message attributes are not one EAP packet (RFC 3579
    /// §3.1: their concatenation is the EAP packet, Length included).
    case malformedEAPMessage
    /// An MS-MPPE key attribute that is too short, has no salt high bit, or
    /// whose decrypted Key-Length exceeds the data (RFC 2548 §2.4.2).
    case malformedMPPEKey(reason: String)
    /// A crypto primitive failed.
    case crypto(String)

    public var description: String {
        switch self {
        case .truncatedHeader(let have): "RADIUS packet of \(have) bytes, shorter than its 20-byte header"
        case .badPacketLength(let declared): "RADIUS Length \(declared) outside 20...4096"
        case .packetLengthExceedsData(let declared, let available):
            "RADIUS Length \(declared) exceeds the \(available) bytes received"
        case .truncatedAttribute(let offset): "RADIUS attribute header cut short at offset \(offset)"
        case .badAttributeLength(let type, let length, let remaining):
            "RADIUS attribute \(type) has Length \(length) with \(remaining) bytes left"
        case .packetTooLong(let length): "RADIUS packet of \(length) bytes exceeds 4096"
        case .badMessageAuthenticatorLength(let length):
            "RADIUS Message-Authenticator of \(length) bytes, not 16"
        case .duplicateMessageAuthenticator: "RADIUS packet with two Message-Authenticator attributes"
        case .missingMessageAuthenticator: "RADIUS packet carries EAP-Message without Message-Authenticator"
        case .messageAuthenticatorMismatch:
            "RADIUS Message-Authenticator does not verify: check the shared secret"
        case .responseAuthenticatorMismatch:
            "RADIUS Response Authenticator does not verify: check the shared secret"
        case .malformedEAPMessage: "RADIUS EAP-Message attributes do not form one EAP packet"
        case .malformedMPPEKey(let reason): "RADIUS MS-MPPE key attribute malformed: \(reason)"
        case .crypto(let detail): "RADIUS crypto failed: \(detail)"
        }
    }
}
