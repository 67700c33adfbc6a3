import ByteCoding

/// One attribute (RFC 2865 §5): Type, Length (2 + value), Value (at most 253).
public struct RADIUSAttribute: Hashable, Sendable {
    public static let maxValueLength = 253

    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    public init(type: UInt8, string: String) {
        self.init(type: type, value: Array(string.utf8))
    }

    public init(type: UInt8, uint32: UInt32) {
        var value: [UInt8] = []
        value.appendUInt32(uint32)
        self.init(type: type, value: value)
    }
}

/// A RADIUS packet (RFC 2865 §3): Code, Identifier, Length, the 16-octet
/// Authenticator, attributes.
public struct RADIUSPacket: Hashable, Sendable {
    public static let headerLength = 20
    public static let maxLength = 4096

    public var code: UInt8
    public var identifier: UInt8
    public var authenticator: [UInt8]
    public var attributes: [RADIUSAttribute]

    public init(code: UInt8, identifier: UInt8, authenticator: [UInt8], attributes: [RADIUSAttribute] = []) {
        self.code = code
        self.identifier = identifier
        self.authenticator = Array((authenticator + [UInt8](repeating: 0, count: 16)).prefix(16))
        self.attributes = attributes
    }

    /// RFC 2865 §3: Length is 20..4096; octets beyond it are padding and
    /// ignored; a packet shorter than its Length is discarded. §5: each
    /// attribute's Length is at least 2 and stays inside the packet.
    public init(parsing bytes: ArraySlice<UInt8>) throws(RADIUSError) {
        var reader = ByteReader(bytes)
        guard let code = reader.readUInt8(), let identifier = reader.readUInt8(),
            let length = reader.readUInt16(), let authenticator = reader.readBytes(16)
        else { throw .truncatedHeader(have: bytes.count) }
        let declared = Int(length)
        guard declared >= Self.headerLength, declared <= Self.maxLength else {
            throw .badPacketLength(declared: declared)
        }
        guard declared <= bytes.count else {
            throw .packetLengthExceedsData(declared: declared, available: bytes.count)
        }
        let start = bytes.startIndex + Self.headerLength
        var attributesReader = ByteReader(bytes[start..<(bytes.startIndex + declared)])
        var attributes: [RADIUSAttribute] = []
        while !attributesReader.isAtEnd {
            let offset = declared - attributesReader.remaining
            guard let type = attributesReader.readUInt8(), let attributeLength = attributesReader.readUInt8()
            else { throw .truncatedAttribute(offset: offset) }
            let valueLength = Int(attributeLength) - 2
            guard valueLength >= 0, let value = attributesReader.readBytes(valueLength) else {
                throw .badAttributeLength(
                    type: type, length: Int(attributeLength), remaining: attributesReader.remaining)
            }
            attributes.append(RADIUSAttribute(type: type, value: Array(value)))
        }
        self.code = code
        self.identifier = identifier
        self.authenticator = Array(authenticator)
        self.attributes = attributes
    }

    /// The attributes' wire form. Values over 253 octets are cut (callers
    /// split long values, as `eapMessageAttributes` does).
    public var encodedAttributes: [UInt8] {
        var out: [UInt8] = []
        for attribute in attributes {
            let value = attribute.value.prefix(RADIUSAttribute.maxValueLength)
            out.append(attribute.type)
            out.append(UInt8(2 + value.count))
            out += value
        }
        return out
    }

    /// The whole packet; throws when it would exceed 4096 octets.
    public func serialized() throws(RADIUSError) -> [UInt8] {
        let body = encodedAttributes
        let length = Self.headerLength + body.count
        guard length <= Self.maxLength else { throw .packetTooLong(length: length) }
        var out: [UInt8] = [code, identifier]
        out.appendUInt16(UInt16(length))
        // Always 16 octets, whatever the caller stored.
        out += (authenticator + [UInt8](repeating: 0, count: 16)).prefix(16)
        out += body
        return out
    }

    public func values(of type: UInt8) -> [[UInt8]] {
        attributes.filter { $0.type == type }.map(\.value)
    }

    public func first(_ type: UInt8) -> [UInt8]? {
        attributes.first { $0.type == type }?.value
    }
}
