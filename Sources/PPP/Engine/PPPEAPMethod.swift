public import SSTPCrypto

/// The EAP method the client answers with once the server chose EAP at LCP
/// (RFC 3748 §5.3.1: a Request of another Type is Nak'd with this one).
public enum PPPEAPMethod: Sendable, CustomStringConvertible {
    /// EAP-MSCHAPv2 with the user name and password.
    case mschapv2
    /// EAP-TLS (RFC 5216, RFC 9190): the client certificate.
    case tls(EAPTLSEngineFactory)
    /// PEAPv0 with EAP-MSCHAPv2 inside (MS-PEAP); `requireCryptobinding`
    /// refuses servers sending no Cryptobinding TLV.
    case peap(EAPTLSEngineFactory, requireCryptobinding: Bool)

    /// The EAP Type of this method (RFC 3748 §5, IANA EAP registry).
    var type: UInt8 {
        switch self {
        case .mschapv2: EAPType.mschapv2
        case .tls: EAPTLSPeer<AnyEAPTLSEngine>.methodType
        case .peap: PEAPPeer<AnyEAPTLSEngine>.methodType
        }
    }

    public var description: String {
        switch self {
        case .mschapv2: "EAP-MSCHAPv2"
        case .tls: "EAP-TLS"
        case .peap: "PEAP"
        }
    }
}

/// How the SSTP HLAK is cut from an EAP method's MSK (see
/// `HigherLayerAuthenticationKey.EAPKeyLayout`): the choice the client's
/// EAP-TLS and PEAP successes use.
public typealias PPPEAPKeyLayout = HigherLayerAuthenticationKey.EAPKeyLayout
