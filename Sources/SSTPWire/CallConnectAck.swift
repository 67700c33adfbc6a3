/// SSTP_MSG_CALL_CONNECT_ACK (MS-SSTP 2.2.10): the server's acceptance,
/// exactly one Crypto Binding Request attribute. 48 bytes.
public struct CallConnectAck: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.callConnectAck

    public var cryptoBindingRequest: CryptoBindingRequestAttribute

    public init(cryptoBindingRequest: CryptoBindingRequestAttribute) {
        self.cryptoBindingRequest = cryptoBindingRequest
    }

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(
            attributes, message: Self.messageType, allowed: [.cryptoBindingRequest], count: 1...1)
        cryptoBindingRequest = try CryptoBindingRequestAttribute(raw: attributes[0], options: options)
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int {
        cryptoBindingRequest.append(to: &bytes)
        return 1
    }
}
