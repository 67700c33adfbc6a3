import ByteCoding

/// SSTP_ATTRIB_STATUS_INFO (MS-SSTP 2.2.8): Reserved1(3), AttribID(1),
/// Status(4), AttribValue(0...64). Length is 12 + n.
public struct StatusInfoAttribute: SSTPAttributeValue, CustomStringConvertible {
    public static let attributeID = SSTPAttributeID.statusInfo
    public static let minimumLength = 12
    /// §2.2.8: AttribValue holds at most 64 bytes of the original value.
    public static let maximumValueLength = 64
    /// sstpd's non-conforming form: header + Status only (see
    /// SSTPParseOptions.acceptShortStatusInfo).
    public static let shortFormLength = 8

    /// The attribute this status reports on (0 when not about one).
    public var attribID: UInt8
    public var status: SSTPStatus
    /// In a NAK, the client's original value cut to 64 bytes; else empty.
    public var attribValue: [UInt8]

    public init(attribID: UInt8, status: SSTPStatus, attribValue: [UInt8] = []) {
        self.attribID = attribID
        self.status = status
        self.attribValue = Array(attribValue.prefix(Self.maximumValueLength))
    }

    public init(value: ArraySlice<UInt8>, options: SSTPParseOptions) throws(SSTPWireError) {
        let length = value.count + sstpAttributeHeaderLength
        if length == Self.shortFormLength, options.acceptShortStatusInfo {
            var reader = ByteReader(value)
            attribID = 0
            status = SSTPStatus(rawValue: reader.readUInt32() ?? 0)
            attribValue = []
            return
        }
        guard length >= Self.minimumLength,
            length <= Self.minimumLength + Self.maximumValueLength
        else {
            throw .attributeLengthNotAllowed(attributeID: Self.attributeID.rawValue, length: length)
        }
        var reader = ByteReader(value)
        let reserved = reader.readBytes(3) ?? []
        if options.strictReserved, reserved.contains(where: { $0 != 0 }) {
            throw .reservedBitsSet(.valueReserved)
        }
        attribID = reader.readUInt8() ?? 0
        status = SSTPStatus(rawValue: reader.readUInt32() ?? 0)
        attribValue = Array(reader.readRest())
    }

    public func appendValue(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [0, 0, 0])
        bytes.appendUInt8(attribID)
        bytes.appendUInt32(status.rawValue)
        bytes.append(contentsOf: attribValue.prefix(Self.maximumValueLength))
    }

    public var description: String {
        "\(status.specName) about \(SSTPAttributeID.name(of: attribID))"
    }
}
