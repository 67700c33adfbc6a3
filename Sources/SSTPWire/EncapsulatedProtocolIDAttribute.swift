import ByteCoding

/// SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID (MS-SSTP 2.2.5): length 6, a 16-bit
/// Protocol ID; 1 (PPP) is the only one defined.
public struct EncapsulatedProtocolIDAttribute: SSTPAttributeValue {
    public static let attributeID = SSTPAttributeID.encapsulatedProtocolID
    public static let length = 6

    public var protocolID: UInt16

    public init(protocolID: UInt16 = sstpEncapsulatedProtocolPPP) {
        self.protocolID = protocolID
    }

    public init(value: ArraySlice<UInt8>, options: SSTPParseOptions) throws(SSTPWireError) {
        // §2.2.5: the attribute is exactly 6 bytes.
        guard value.count == Self.length - sstpAttributeHeaderLength else {
            throw .attributeLengthNotAllowed(
                attributeID: Self.attributeID.rawValue,
                length: value.count + sstpAttributeHeaderLength)
        }
        var reader = ByteReader(value)
        protocolID = reader.readUInt16() ?? 0
    }

    public func appendValue(to bytes: inout [UInt8]) {
        bytes.appendUInt16(protocolID)
    }

    /// §2.2.5: PPP is the only protocol SSTP carries.
    public var isPPP: Bool { protocolID == sstpEncapsulatedProtocolPPP }
}
