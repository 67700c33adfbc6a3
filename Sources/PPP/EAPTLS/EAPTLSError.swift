/// What can be wrong with EAP-TLS framing (RFC 5216 §3.1, §2.1.5) as it
/// arrives: each case names the rule broken, and the method that receives
/// it fails the authentication (RFC 5216 §2.1.5 gives no way to repair a
/// broken fragment train).
public enum EAPTLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The Type-Data holds no Flags octet (RFC 5216 §3.1).
    case missingFlags
    /// L is set but fewer than four octets of TLS Message Length follow.
    case truncatedMessageLength(have: Int)
    /// The TLS Message Length exceeds `limit` (EAPTLSLimits).
    case messageTooLong(declared: Int, limit: Int)
    /// More fragments than `limit` for one message (EAPTLSLimits).
    case tooManyFragments(limit: Int)
    /// The fragments carry more bytes than the L length announced.
    case fragmentsExceedMessageLength(declared: Int, received: Int)
    /// The last fragment (M clear) ends the message short of the L length.
    case fragmentsShortOfMessageLength(declared: Int, received: Int)
    /// A later fragment's L length differs from the first one's.
    case messageLengthChanged(first: Int, now: Int)
    /// M is set on a fragment with no data: the train can never end.
    case moreFragmentsWithoutData
    /// L announces a length of zero on a fragment with M set.
    case zeroLengthFragmentedMessage
    /// A packet with data arrived where only a fragment ACK may come.
    case dataWhileAwaitingAcknowledgement
    /// The packet's method Type is not the one being framed.
    case unexpectedType(expected: UInt8, received: UInt8)

    public var description: String {
        switch self {
        case .missingFlags:
            "EAP-TLS packet without its Flags octet (RFC 5216 section 3.1)"
        case .truncatedMessageLength(let have):
            "EAP-TLS packet with the L flag but only \(have) of the 4 TLS Message Length octets"
        case .messageTooLong(let declared, let limit):
            "EAP-TLS message of \(declared) bytes, more than the \(limit) this client accepts"
        case .tooManyFragments(let limit):
            "EAP-TLS message split into more than \(limit) fragments"
        case .fragmentsExceedMessageLength(let declared, let received):
            "EAP-TLS fragments carry \(received) bytes, more than the \(declared) announced"
        case .fragmentsShortOfMessageLength(let declared, let received):
            "EAP-TLS fragments ended after \(received) bytes, short of the \(declared) announced"
        case .messageLengthChanged(let first, let now):
            "EAP-TLS fragment announces a TLS Message Length of \(now), the first fragment said \(first)"
        case .moreFragmentsWithoutData:
            "EAP-TLS fragment with the M flag but no data"
        case .zeroLengthFragmentedMessage:
            "EAP-TLS fragment with the M flag announces a TLS Message Length of 0"
        case .dataWhileAwaitingAcknowledgement:
            "EAP-TLS data arrived while a fragment acknowledgement was expected"
        case .unexpectedType(let expected, let received):
            "EAP method type \(received) where \(expected) was expected"
        }
    }
}
