/// SSTP_MSG_ECHO_RESPONSE (MS-SSTP 2.2.17): answer to an Echo Request, no
/// attributes.
public struct EchoResponse: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.echoResponse

    public init() {}

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(attributes, message: Self.messageType, allowed: [], count: 0...0)
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int { 0 }
}
