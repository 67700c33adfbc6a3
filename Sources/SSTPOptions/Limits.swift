public import PPP

/// Secret files and D-Bus secrets hold at most this many bytes: a password
/// is a line, and a bound keeps /dev/zero from filling memory.
public enum SecretFileLimit {
    public static let bytes = 4096
}

/// How long a PPP user name may be for each authentication method: the
/// name travels in one authentication packet, which must fit the peer's
/// MRU. The MRU is 1500 unless the peer negotiates another (RFC 1661
/// §6.1), well below what one SSTP data packet can carry (MS-SSTP 2.2.1:
/// a 12-bit length, 4095 bytes with the 4-byte header).
public enum UserNameLimit {
    static let defaultMRU = 1500

    public static func bytes(for method: PPPAuthenticationMethod) -> Int {
        switch method {
        // RFC 1334 §2.2.1: Peer-ID Length is one octet.
        case .pap: 255
        // RFC 1994 §4.1: Code, Identifier, Length (4), Value-Size (1),
        // the 16-byte MD5 value, then the Name.
        case .chapMD5: defaultMRU - 4 - 1 - 16
        // RFC 2759 §4: the Response's Value-Size is 49.
        case .mschapv2: defaultMRU - 4 - 1 - 49
        // EAP header with Type (RFC 3748 §4, 5 bytes), then the MS-CHAPv2
        // Response: OpCode, MS-CHAPv2-ID, MS-Length (4), Value-Size (1),
        // the 49-byte value, then the Name.
        case .eapMSCHAPv2: defaultMRU - 5 - 4 - 1 - 49
        }
    }

    /// The limit for a name that must work with every accepted method (the
    /// server picks among them).
    public static func bytes(accepting methods: [PPPAuthenticationMethod]) -> Int {
        methods.map { bytes(for: $0) }.min() ?? bytes(for: .pap)
    }
}
