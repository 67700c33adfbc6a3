/// SSTP_MSG_CALL_DISCONNECT_ACK (MS-SSTP 2.2.15): no attributes. 8 bytes.
public struct CallDisconnectAck: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.callDisconnectAck

    public init() {}

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(attributes, message: Self.messageType, allowed: [], count: 0...0)
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int { 0 }
}
