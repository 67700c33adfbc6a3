/// The packet codes of LCP (RFC 1661 §5). IPCP and IPv6CP use codes 1–7
/// only (RFC 1332 §2, RFC 5072 §3).
enum PPPControlCode {
    static let configureRequest: UInt8 = 1
    static let configureAck: UInt8 = 2
    static let configureNak: UInt8 = 3
    static let configureReject: UInt8 = 4
    static let terminateRequest: UInt8 = 5
    static let terminateAck: UInt8 = 6
    static let codeReject: UInt8 = 7
    /// LCP only, §5.7.
    static let protocolReject: UInt8 = 8
    /// LCP only, §5.8.
    static let echoRequest: UInt8 = 9
    static let echoReply: UInt8 = 10
    /// LCP only, §5.9.
    static let discardRequest: UInt8 = 11

    static func name(_ code: UInt8) -> String {
        switch code {
        case configureRequest: "Configure-Request"
        case configureAck: "Configure-Ack"
        case configureNak: "Configure-Nak"
        case configureReject: "Configure-Reject"
        case terminateRequest: "Terminate-Request"
        case terminateAck: "Terminate-Ack"
        case codeReject: "Code-Reject"
        case protocolReject: "Protocol-Reject"
        case echoRequest: "Echo-Request"
        case echoReply: "Echo-Reply"
        case discardRequest: "Discard-Request"
        default: "code \(code)"
        }
    }
}
