import ByteCoding

/// The packet format shared by LCP and the NCPs (RFC 1661 §5), PAP (RFC
/// 1334 §2.2), CHAP (RFC 1994 §4) and EAP (RFC 3748 §4): Code, Identifier,
/// Length, then data.
public struct PPPControlPacket: Hashable, Sendable {
    public static let headerLength = 4

    public var code: UInt8
    public var identifier: UInt8
    /// The bytes after the header, up to Length (padding removed).
    public var data: ArraySlice<UInt8>

    public init(code: UInt8, identifier: UInt8, data: ArraySlice<UInt8>) {
        self.code = code
        self.identifier = identifier
        self.data = data
    }

    /// Parses the Information field of a frame. RFC 1661 §5: octets past
    /// Length are padding and ignored; a Length past the end of the frame
    /// or below 4 makes the packet invalid.
    public init(parsing information: ArraySlice<UInt8>) throws(PPPWireError) {
        var reader = ByteReader(information)
        guard let code = reader.readUInt8(), let identifier = reader.readUInt8(),
            let length = reader.readUInt16()
        else { throw .truncatedPacketHeader(have: information.count) }
        let declared = Int(length)
        guard declared >= Self.headerLength else { throw .packetLengthTooShort(declared: declared) }
        guard declared <= information.count else {
            throw .packetLengthExceedsFrame(declared: declared, available: information.count)
        }
        self.code = code
        self.identifier = identifier
        let start = information.startIndex + Self.headerLength
        data = information[start..<(information.startIndex + declared)]
    }

    /// Header and data. The caller keeps data below 65532 bytes (every
    /// packet here is far smaller); a longer one is cut, never trapped on.
    public static func serialize(code: UInt8, identifier: UInt8, data: some Collection<UInt8>)
        -> [UInt8]
    {
        let count = min(data.count, Int(UInt16.max) - headerLength)
        var out: [UInt8] = []
        out.reserveCapacity(headerLength + count)
        out.append(code)
        out.append(identifier)
        out.appendUInt16(UInt16(headerLength + count))
        out.append(contentsOf: data.prefix(count))
        return out
    }

    public func serialized() -> [UInt8] {
        Self.serialize(code: code, identifier: identifier, data: data)
    }
}
