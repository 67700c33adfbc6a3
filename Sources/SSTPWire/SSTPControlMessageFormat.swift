/// One control message type of MS-SSTP 2.2.9–2.2.17: its type, which
/// attributes it takes and how many, parse and serialize side by side.
public protocol SSTPControlMessageFormat: Hashable, Sendable {
    static var messageType: SSTPMessageType { get }
    /// Builds the message from its attributes, already split by the packet
    /// parser; throws when they break the message's rules.
    init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError)
    /// The attributes to send, in order.
    func appendAttributes(to bytes: inout [UInt8]) -> Int
}

extension SSTPControlMessageFormat {
    /// The whole control packet (§2.2.2): header, Message Type, Num
    /// Attributes, attributes.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        bytes.append(contentsOf: [sstpVersion, 0x01, 0, 0])
        bytes.appendUInt16(Self.messageType.rawValue)
        bytes.appendUInt16(0)
        let count = appendAttributes(to: &bytes)
        bytes.setUInt16(UInt16(count), at: 6)
        bytes.setUInt16(UInt16(bytes.count), at: 2)
        return bytes
    }
}

/// Checks a message's attribute list against its rules, in the order the
/// server's NAK rules need (MS-SSTP 3.3.5.2.2): unknown, not allowed,
/// duplicate, then the count.
func checkAttributes(
    _ attributes: [SSTPRawAttribute],
    message: SSTPMessageType,
    allowed: [SSTPAttributeID],
    count: ClosedRange<Int>,
    repeatable: SSTPAttributeID? = nil
) throws(SSTPWireError) {
    var seen: [SSTPAttributeID] = []
    for raw in attributes {
        guard let id = SSTPAttributeID(rawValue: raw.id) else {
            throw .unknownAttribute(raw.id)
        }
        guard allowed.contains(id) else {
            throw .attributeNotAllowedInMessage(attributeID: raw.id, message: message)
        }
        if seen.contains(id), id != repeatable {
            throw .duplicateAttribute(raw.id)
        }
        seen.append(id)
    }
    guard count.contains(attributes.count) else {
        throw .wrongAttributeCount(message: message, found: attributes.count, allowed: count)
    }
}

import ByteCoding
