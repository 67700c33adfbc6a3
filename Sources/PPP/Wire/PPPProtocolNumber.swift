import ByteCoding

/// PPP Protocol field values (RFC 1661 §2 and the protocol's own RFC).
public enum PPPProtocolNumber {
    /// Internet Protocol version 4 datagrams (RFC 1332 §2).
    public static let ipv4: UInt16 = 0x0021
    /// Internet Protocol version 6 datagrams (RFC 5072 §2).
    public static let ipv6: UInt16 = 0x0057
    /// IP Control Protocol (RFC 1332 §2).
    public static let ipcp: UInt16 = 0x8021
    /// IPv6 Control Protocol (RFC 5072 §3).
    public static let ipv6cp: UInt16 = 0x8057
    /// Compression Control Protocol (RFC 1962 §2); never negotiated here.
    public static let ccp: UInt16 = 0x80fd
    /// Link Control Protocol (RFC 1661 §5).
    public static let lcp: UInt16 = 0xc021
    /// Password Authentication Protocol (RFC 1334 §2.2).
    public static let pap: UInt16 = 0xc023
    /// Challenge-Handshake Authentication Protocol (RFC 1994 §4).
    public static let chap: UInt16 = 0xc223
    /// Extensible Authentication Protocol (RFC 3748 §4).
    public static let eap: UInt16 = 0xc227

    /// A short name for logs.
    public static func name(of protocolNumber: UInt16) -> String {
        switch protocolNumber {
        case ipv4: "IPv4"
        case ipv6: "IPv6"
        case ipcp: "IPCP"
        case ipv6cp: "IPv6CP"
        case ccp: "CCP"
        case lcp: "LCP"
        case pap: "PAP"
        case chap: "CHAP"
        case eap: "EAP"
        default: "protocol 0x" + hex16(protocolNumber)
        }
    }
}

/// Four lower-case hex digits.
func hex16(_ value: UInt16) -> String {
    [UInt8(value >> 8), UInt8(value & 0xff)].hexString
}

/// Eight lower-case hex digits.
func hex32(_ value: UInt32) -> String {
    [
        UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff),
        UInt8(value & 0xff),
    ]
    .hexString
}
