import ByteCoding

/// One Configuration Option (RFC 1661 §6): Type, Length, Data.
public struct PPPConfigurationOption: Hashable, Sendable {
    public var type: UInt8
    /// The Data field (Length minus 2 bytes).
    public var data: [UInt8]

    public init(type: UInt8, data: [UInt8]) {
        self.type = type
        self.data = data
    }

    /// The option's Length field.
    public var length: Int { 2 + data.count }

    /// Parses the option list of a Configure packet. RFC 1661 §6: every
    /// option has Type and Length, Length counts both and is at least 2,
    /// and no option may run past the packet.
    public static func parseList(_ bytes: ArraySlice<UInt8>) throws(PPPWireError)
        -> [PPPConfigurationOption]
    {
        var out: [PPPConfigurationOption] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let offset = index - bytes.startIndex
            guard bytes.endIndex - index >= 2 else { throw .truncatedOptionHeader(offset: offset) }
            let type = bytes[index]
            let length = Int(bytes[index + 1])
            guard length >= 2 else { throw .optionLengthTooShort(type: type, length: length) }
            let remaining = bytes.endIndex - index
            guard length <= remaining else {
                throw .optionOverrunsPacket(type: type, length: length, remaining: remaining)
            }
            out.append(
                PPPConfigurationOption(
                    type: type, data: Array(bytes[(index + 2)..<(index + length)])))
            index += length
        }
        return out
    }

    /// Appends Type, Length and Data. Data beyond 253 bytes cannot be
    /// encoded and is cut (no option built here comes close).
    public func append(to bytes: inout [UInt8]) {
        let body = data.prefix(253)
        bytes.append(type)
        bytes.append(UInt8(2 + body.count))
        bytes.append(contentsOf: body)
    }

    public static func serialize(_ options: [PPPConfigurationOption]) -> [UInt8] {
        var out: [UInt8] = []
        for option in options { option.append(to: &out) }
        return out
    }

    /// The data as a big-endian 16-bit value, when it is exactly 2 bytes.
    var uint16Value: UInt16? {
        data.count == 2 ? UInt16(data[0]) << 8 | UInt16(data[1]) : nil
    }

    /// The data as a big-endian 32-bit value, when it is exactly 4 bytes.
    var uint32Value: UInt32? {
        data.count == 4
            ? UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
            : nil
    }

    static func uint16(type: UInt8, _ value: UInt16) -> PPPConfigurationOption {
        PPPConfigurationOption(type: type, data: [UInt8(value >> 8), UInt8(value & 0xff)])
    }

    static func uint32(type: UInt8, _ value: UInt32) -> PPPConfigurationOption {
        var data: [UInt8] = []
        data.appendUInt32(value)
        return PPPConfigurationOption(type: type, data: data)
    }
}
