/// SSTP_MSG_ECHO_REQUEST (MS-SSTP 2.2.16): keepalive, no attributes.
public struct EchoRequest: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.echoRequest

    public init() {}

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(attributes, message: Self.messageType, allowed: [], count: 0...0)
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int { 0 }
}
