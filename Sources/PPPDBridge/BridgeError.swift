/// Why bytes from the other side of the bridge were refused. Each case names
/// the rule of nm-plugin/pppd/PROTOCOL.md that was broken.
public enum BridgeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Byte 0 of a message is not a version this codec speaks (only 1).
    case unsupportedVersion(UInt8)
    /// Byte 1 of a message names no message type of version 1.
    case unknownMessageType(UInt8)
    /// The header's body length is over 4092.
    case bodyTooLong(Int)
    /// An attribute's header or value runs past the end of the body; the
    /// offset is that of the attribute in the body.
    case truncatedAttribute(BridgeMessageType, offset: Int)
    /// A listed attribute's value has a length its kind does not allow.
    case badAttributeLength(BridgeAttribute, length: Int)
    /// A single-valued attribute appears twice in one message.
    case duplicateAttribute(BridgeMessageType, BridgeAttribute)
    /// A required attribute is missing.
    case missingAttribute(BridgeMessageType, BridgeAttribute)
    /// A string attribute is not UTF-8.
    case invalidUTF8(BridgeAttribute)
    /// A string attribute holds a NUL byte.
    case nulInString(BridgeAttribute)
    /// An address or interface identifier is all zero.
    case zeroAddress(BridgeAttribute)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version):
            "pppd bridge: protocol version \(version) is not supported (only 1)"
        case .unknownMessageType(let type):
            "pppd bridge: unknown message type \(type)"
        case .bodyTooLong(let length):
            "pppd bridge: message body of \(length) bytes is over the limit of \(BridgeMessage.maxBodyLength)"
        case .truncatedAttribute(let type, let offset):
            "pppd bridge: \(type) attribute at body offset \(offset) runs past the end of the body"
        case .badAttributeLength(let attribute, let length):
            "pppd bridge: \(attribute) of \(length) bytes has the wrong length"
        case .duplicateAttribute(let type, let attribute):
            "pppd bridge: \(type) holds \(attribute) more than once"
        case .missingAttribute(let type, let attribute):
            "pppd bridge: \(type) lacks the required \(attribute)"
        case .invalidUTF8(let attribute):
            "pppd bridge: \(attribute) is not UTF-8"
        case .nulInString(let attribute):
            "pppd bridge: \(attribute) contains a NUL byte"
        case .zeroAddress(let attribute):
            "pppd bridge: \(attribute) is all zero"
        }
    }
}
