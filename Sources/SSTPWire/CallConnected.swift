/// SSTP_MSG_CALL_CONNECTED (MS-SSTP 2.2.11): the client's crypto binding,
/// exactly one Crypto Binding attribute. 112 bytes.
public struct CallConnected: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.callConnected
    public static let length = 112
    /// §3.2.5.2.4: the Compound MAC field's offset in the whole message.
    public static let compoundMACOffset = 80

    public var cryptoBinding: CryptoBindingAttribute

    public init(cryptoBinding: CryptoBindingAttribute) {
        self.cryptoBinding = cryptoBinding
    }

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(
            attributes, message: Self.messageType, allowed: [.cryptoBinding], count: 1...1)
        cryptoBinding = try CryptoBindingAttribute(raw: attributes[0], options: options)
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int {
        cryptoBinding.append(to: &bytes)
        return 1
    }

    /// The 112 bytes with the Compound MAC field zeroed: the input of the
    /// Compound MAC (§3.2.5.2.4).
    public func serializedForMAC() -> [UInt8] {
        var bytes = serialized()
        for i in Self.compoundMACOffset..<Self.length { bytes[i] = 0 }
        return bytes
    }
}
