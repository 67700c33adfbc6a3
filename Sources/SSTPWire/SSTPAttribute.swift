import ByteCoding

/// One attribute as it sits on the wire (MS-SSTP 2.2.4), before its value
/// is interpreted.
public struct SSTPRawAttribute: Hashable, Sendable {
    public var reserved: UInt8
    public var id: UInt8
    /// The 4 reserved bits above the 12-bit length.
    public var lengthReservedBits: UInt8
    /// Value bytes (Length minus the 4-byte header).
    public var value: ArraySlice<UInt8>

    public var length: Int { sstpAttributeHeaderLength + value.count }

    /// Reads `count` attributes from `reader`; the reader must end exactly
    /// after the last one (§2.2.2: Num Attributes counts them all).
    static func parseList(
        count: Int, from reader: inout ByteReader, options: SSTPParseOptions
    ) throws(SSTPWireError) -> [SSTPRawAttribute] {
        var out: [SSTPRawAttribute] = []
        out.reserveCapacity(min(count, 8))
        for index in 0..<count {
            guard let reserved = reader.readUInt8(), let id = reader.readUInt8(),
                let lengthField = reader.readUInt16()
            else { throw .truncatedAttribute(index: index) }
            let length = Int(lengthField & 0x0fff)
            let reservedBits = UInt8(lengthField >> 12)
            if options.strictReserved {
                if reserved != 0 { throw .reservedBitsSet(.attributeReserved) }
                if reservedBits != 0 { throw .reservedBitsSet(.attributeLength) }
            }
            guard length >= sstpAttributeHeaderLength else {
                throw .attributeLengthTooShort(attributeID: id, length: length)
            }
            guard let value = reader.readBytes(length - sstpAttributeHeaderLength) else {
                throw .truncatedAttribute(index: index)
            }
            out.append(
                SSTPRawAttribute(
                    reserved: reserved, id: id, lengthReservedBits: reservedBits, value: value))
        }
        guard reader.isAtEnd else { throw .trailingBytes(count: reader.remaining) }
        return out
    }
}

/// What every typed attribute provides: its ID, how to read its value and
/// how to write itself back.
public protocol SSTPAttributeValue: Hashable, Sendable {
    static var attributeID: SSTPAttributeID { get }
    /// Parses the value part (after the 4-byte attribute header).
    init(value: ArraySlice<UInt8>, options: SSTPParseOptions) throws(SSTPWireError)
    /// Appends the value part.
    func appendValue(to bytes: inout [UInt8])
}

extension SSTPAttributeValue {
    /// Appends header and value (§2.2.4), Reserved and R zero as sent.
    public func append(to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.appendUInt8(0)
        bytes.appendUInt8(Self.attributeID.rawValue)
        bytes.appendUInt16(0)
        appendValue(to: &bytes)
        bytes.setUInt16(UInt16(bytes.count - start), at: start + 2)
    }

    init(raw: SSTPRawAttribute, options: SSTPParseOptions) throws(SSTPWireError) {
        try self.init(value: raw.value, options: options)
    }
}
