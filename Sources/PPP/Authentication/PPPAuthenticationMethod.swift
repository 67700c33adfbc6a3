/// The authentication methods both engines implement.
public enum PPPAuthenticationMethod: String, Hashable, Sendable, CaseIterable,
    CustomStringConvertible
{
    /// RFC 1334 PAP: the password in clear (inside TLS for SSTP).
    case pap = "PAP"
    /// RFC 1994 CHAP with MD5.
    case chapMD5 = "CHAP-MD5"
    /// RFC 2759 MS-CHAPv2 (CHAP algorithm 0x81): mutual, yields MPPE keys.
    case mschapv2 = "MS-CHAPv2"
    /// RFC 3748 EAP with Identity, then EAP-MSCHAPv2 (EAP type 26,
    /// draft-kamath-pppext-eap-mschapv2): mutual, yields MPPE keys.
    case eapMSCHAPv2 = "EAP-MSCHAPv2"

    public var description: String { rawValue }

    /// The order a client Naks with when the server asks for a method it
    /// refuses: the strongest first, and those that give SSTP's crypto
    /// binding real keys before those that give none.
    public static let clientPreference: [PPPAuthenticationMethod] = [
        .mschapv2, .eapMSCHAPv2, .chapMD5, .pap,
    ]

    /// The methods that give the password away to whoever answered: PAP
    /// sends it in clear (RFC 1334 §2.2.1), CHAP-MD5 an MD5 of it and a
    /// challenge the answerer chose (RFC 1994 §4.1), open to offline
    /// guessing. MS-CHAPv2 and EAP-MSCHAPv2 are mutual (RFC 2759 §5): a
    /// server that does not know the password cannot complete them.
    public static let weakWithoutVerification: Set<PPPAuthenticationMethod> = [.pap, .chapMD5]

    /// A name for an Authentication-Protocol option this client does not
    /// implement (RFC 1661 §6.2): MS-CHAPv1 is CHAP algorithm 0x80 (RFC
    /// 2433 §2), SPAP is protocol c027.
    static func unsupportedName(optionData data: [UInt8]) -> String {
        switch data {
        case [0xc2, 0x23, 0x80]: return "MS-CHAPv1"
        case [0xc0, 0x27]: return "SPAP"
        default:
            guard data.count >= 2 else { return "an empty Authentication-Protocol" }
            let number = UInt16(data[data.startIndex]) << 8 | UInt16(data[data.startIndex + 1])
            if number == PPPProtocolNumber.chap, let algorithm = data.dropFirst(2).first {
                return "CHAP algorithm 0x" + [algorithm].hexString
            }
            return PPPProtocolNumber.name(of: number)
        }
    }

    /// The Authentication-Protocol option data (RFC 1661 §6.2, RFC 1994 §3,
    /// RFC 2759 §2, RFC 3748 §4): protocol number, and CHAP's algorithm.
    var optionData: [UInt8] {
        switch self {
        case .pap: [0xc0, 0x23]
        case .chapMD5: [0xc2, 0x23, 0x05]
        case .mschapv2: [0xc2, 0x23, 0x81]
        case .eapMSCHAPv2: [0xc2, 0x27]
        }
    }

    /// The method an Authentication-Protocol option asks for, or `nil` for
    /// one not implemented here (MS-CHAPv1, SPAP, an odd length...).
    init?(optionData data: [UInt8]) {
        switch data {
        case [0xc0, 0x23]: self = .pap
        case [0xc2, 0x23, 0x05]: self = .chapMD5
        case [0xc2, 0x23, 0x81]: self = .mschapv2
        case [0xc2, 0x27]: self = .eapMSCHAPv2
        default: return nil
        }
    }

    var protocolNumber: UInt16 {
        switch self {
        case .pap: PPPProtocolNumber.pap
        case .chapMD5, .mschapv2: PPPProtocolNumber.chap
        case .eapMSCHAPv2: PPPProtocolNumber.eap
        }
    }
}
