/// The PPP header as MS-SSTP carries it: Address 0xff, Control 0x03 and a
/// 2-byte Protocol field (MS-SSTP 2.2.3 carries the frame without HDLC
/// flags, escapes or FCS). Helpers here do not allocate, for the data path.
public enum PPPFrameHeader {
    /// RFC 1662 §3.1 All-Stations address.
    public static let address: UInt8 = 0xff
    /// RFC 1662 §3.1 Unnumbered Information control.
    public static let control: UInt8 = 0x03
    /// Bytes of the header this engine always sends.
    public static let length = 4

    /// The Protocol field and the header length of a received frame.
    ///
    /// RFC 1661 §6.6: when the first two octets are 0xff 0x03 they are the
    /// Address and Control fields, otherwise they were compressed away.
    /// RFC 1661 §6.5: a Protocol field whose first octet is odd is the
    /// compressed 1-octet form. We never negotiate either compression, but
    /// accepting both on receipt costs nothing and is what §6.5 and §6.6
    /// describe. `nil` for an empty, cut or invalid header.
    @inlinable
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> (
        protocolNumber: UInt16, headerLength: Int
    )? {
        var offset = 0
        if bytes.count >= 1 && bytes[0] == address {
            // 0xff can only be the Address: we never negotiate ACFC, and a
            // 1-octet Protocol of 0xff is not one (RFC 1661 §2 reserves it).
            guard bytes.count >= 2 && bytes[1] == control else { return nil }
            offset = 2
        }
        guard bytes.count > offset else { return nil }
        let first = bytes[offset]
        if first & 1 == 1 {
            // RFC 1661 §6.5: compressed 1-octet Protocol field.
            return (UInt16(first), offset + 1)
        }
        guard bytes.count > offset + 1 else { return nil }
        let second = bytes[offset + 1]
        // RFC 1661 §2: the low octet of every Protocol value is odd.
        guard second & 1 == 1 else { return nil }
        return (UInt16(first) << 8 | UInt16(second), offset + 2)
    }

    /// The Protocol field of a received frame, or `nil` when the header is
    /// cut or invalid. For the I/O layer's fast path: IPv4 is 0x0021, IPv6
    /// is 0x0057 (`PPPProtocolNumber`).
    @inlinable
    public static func `protocol`(of bytes: UnsafeRawBufferPointer) -> UInt16? {
        decode(bytes)?.protocolNumber
    }

    /// Writes `ff 03` and the 2-byte Protocol field at `pointer` (4 bytes).
    @inlinable
    public static func write(protocolNumber: UInt16, to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: address, as: UInt8.self)
        pointer.storeBytes(of: control, toByteOffset: 1, as: UInt8.self)
        pointer.storeBytes(of: UInt8(protocolNumber >> 8), toByteOffset: 2, as: UInt8.self)
        pointer.storeBytes(of: UInt8(protocolNumber & 0xff), toByteOffset: 3, as: UInt8.self)
    }
}
