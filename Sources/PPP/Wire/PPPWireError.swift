import ByteCoding

/// Everything that can be wrong with received PPP bytes. Each case names the
/// rule the input broke. Engines log these and drop the frame: RFC 1661 §5
/// says malformed packets are silently discarded.
public enum PPPWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A frame with no bytes at all.
    case emptyFrame
    /// Address 0xff without Control 0x03 after it (RFC 1662 §3.1).
    case invalidAddressOrControl(control: UInt8?)
    /// The frame ends inside the Protocol field (RFC 1661 §2).
    case truncatedProtocolField
    /// A Protocol value whose low octet is even or whose high octet is odd
    /// (RFC 1661 §2: "all Protocols MUST be odd; the least significant bit
    /// of the most significant octet MUST equal 0").
    case invalidProtocolField(UInt16)
    /// Fewer than the 4 bytes of Code, Identifier and Length (RFC 1661 §5).
    case truncatedPacketHeader(have: Int)
    /// A Length field below 4 (RFC 1661 §5).
    case packetLengthTooShort(declared: Int)
    /// A Length field beyond the received bytes (RFC 1661 §5: such packets
    /// are silently discarded).
    case packetLengthExceedsFrame(declared: Int, available: Int)
    /// Fewer than 2 bytes where an option's Type and Length should be (RFC 1661 §6).
    case truncatedOptionHeader(offset: Int)
    /// An option Length below 2, which would loop forever or underflow (RFC 1661 §6).
    case optionLengthTooShort(type: UInt8, length: Int)
    /// An option whose Length runs past the end of the packet (RFC 1661 §6).
    case optionOverrunsPacket(type: UInt8, length: Int, remaining: Int)
    /// A field of an authentication or echo packet is missing or cut short.
    case truncatedField(protocolName: String, field: String)
    /// A field has a length its RFC does not allow.
    case badFieldLength(protocolName: String, field: String, length: Int)

    public var description: String {
        switch self {
        case .emptyFrame:
            "empty PPP frame"
        case .invalidAddressOrControl(let control):
            control.map {
                "PPP Address 0xff followed by Control 0x\([$0].hexString), not 0x03 (RFC 1662 §3.1)"
            }
                ?? "PPP frame ends after its Address field (RFC 1662 §3.1)"
        case .truncatedProtocolField:
            "PPP frame ends inside the Protocol field (RFC 1661 §2)"
        case .invalidProtocolField(let value):
            "invalid PPP Protocol field 0x\(hex16(value)) (RFC 1661 §2: odd low octet, even high octet)"
        case .truncatedPacketHeader(let have):
            "control packet of \(have) bytes is shorter than its 4-byte header (RFC 1661 §5)"
        case .packetLengthTooShort(let declared):
            "control packet Length \(declared) is below 4 (RFC 1661 §5)"
        case .packetLengthExceedsFrame(let declared, let available):
            "control packet Length \(declared) exceeds the \(available) bytes received (RFC 1661 §5)"
        case .truncatedOptionHeader(let offset):
            "configuration option at offset \(offset) is cut short (RFC 1661 §6)"
        case .optionLengthTooShort(let type, let length):
            "configuration option \(type) has Length \(length), below 2 (RFC 1661 §6)"
        case .optionOverrunsPacket(let type, let length, let remaining):
            "configuration option \(type) has Length \(length) but only \(remaining) bytes remain (RFC 1661 §6)"
        case .truncatedField(let protocolName, let field):
            "\(protocolName) packet ends inside its \(field) field"
        case .badFieldLength(let protocolName, let field, let length):
            "\(protocolName) \(field) may not be \(length) bytes long"
        }
    }
}
