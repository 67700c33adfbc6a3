/// SSTP data packet (MS-SSTP 2.2.3): the packet header with C = 0, then one
/// PPP frame as it is (no HDLC flags, escapes or FCS).
public struct SSTPDataPacket: Hashable, Sendable {
    /// The largest PPP frame one data packet carries: 4095 - 4.
    public static let maximumPayloadLength = sstpMaxPacketLength - sstpPacketHeaderLength

    public var payload: [UInt8]

    public init(payload: [UInt8]) {
        self.payload = payload
    }

    /// Header and payload; throws when the payload does not fit (§2.2.1).
    public func serialized() throws(SSTPWireError) -> [UInt8] {
        guard payload.count <= Self.maximumPayloadLength else {
            throw .valueTooLong(length: payload.count, maximum: Self.maximumPayloadLength)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sstpPacketHeaderLength + payload.count)
        Self.appendHeader(payloadLength: payload.count, to: &bytes)
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Appends the 4-byte header of a data packet whose payload is
    /// `payloadLength` bytes (the caller checks the bound).
    public static func appendHeader(payloadLength: Int, to bytes: inout [UInt8]) {
        let length = UInt16(truncatingIfNeeded: payloadLength + sstpPacketHeaderLength) & 0x0fff
        bytes.append(sstpVersion)
        bytes.append(0x00)
        bytes.append(UInt8(length >> 8))
        bytes.append(UInt8(length & 0xff))
    }

    /// Writes the 4-byte header in place, for the data plane that builds
    /// packets in a preallocated buffer.
    public static func writeHeader(payloadLength: Int, to pointer: UnsafeMutableRawPointer) {
        let length = UInt16(truncatingIfNeeded: payloadLength + sstpPacketHeaderLength) & 0x0fff
        pointer.storeBytes(of: sstpVersion, as: UInt8.self)
        pointer.storeBytes(of: 0, toByteOffset: 1, as: UInt8.self)
        pointer.storeBytes(of: UInt8(length >> 8), toByteOffset: 2, as: UInt8.self)
        pointer.storeBytes(of: UInt8(length & 0xff), toByteOffset: 3, as: UInt8.self)
    }
}
