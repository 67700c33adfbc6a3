/// SSTP_MSG_CALL_CONNECT_REQUEST (MS-SSTP 2.2.9): the client's first
/// message, exactly one Encapsulated Protocol ID attribute. 14 bytes.
public struct CallConnectRequest: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.callConnectRequest

    public var encapsulatedProtocol: EncapsulatedProtocolIDAttribute

    public init(encapsulatedProtocol: EncapsulatedProtocolIDAttribute = .init()) {
        self.encapsulatedProtocol = encapsulatedProtocol
    }

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(
            attributes, message: Self.messageType, allowed: [.encapsulatedProtocolID], count: 1...1)
        encapsulatedProtocol = try EncapsulatedProtocolIDAttribute(raw: attributes[0], options: options)
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int {
        encapsulatedProtocol.append(to: &bytes)
        return 1
    }
}
