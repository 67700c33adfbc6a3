/// A whole SSTP packet (MS-SSTP 2.2.1): data or control.
public enum SSTPPacket: Hashable, Sendable, CustomStringConvertible {
    case data(SSTPDataPacket)
    case control(SSTPControlMessage)

    /// Parses exactly one packet; `bytes` must be the whole packet.
    public init<Bytes: Collection<UInt8>>(
        parsing bytes: Bytes, options: SSTPParseOptions = .default
    ) throws(SSTPWireError) {
        let array = Array(bytes)
        let header = try SSTPPacketHeader(array[...], options: options)
        guard header.length == array.count else {
            throw .lengthMismatch(declared: header.length, actual: array.count)
        }
        let body = array[sstpPacketHeaderLength...]
        if header.isControl {
            self = .control(try SSTPControlMessage(body: body, options: options))
        } else {
            guard !body.isEmpty else { throw .emptyDataPacket }
            self = .data(SSTPDataPacket(payload: Array(body)))
        }
    }

    public func serialized() throws(SSTPWireError) -> [UInt8] {
        switch self {
        case .data(let d): try d.serialized()
        case .control(let c): c.serialized()
        }
    }

    public var description: String {
        switch self {
        case .data(let d): "data (\(d.payload.count) bytes)"
        case .control(let c): c.description
        }
    }
}

/// The 4-byte packet header (MS-SSTP 2.2.1).
public struct SSTPPacketHeader: Hashable, Sendable {
    public var isControl: Bool
    /// The whole packet's length, header included (12 bits).
    public var length: Int

    /// Reads and checks a header: version 0x10, length at least the minimum
    /// for its kind, reserved bits zero in strict mode.
    public init(_ bytes: ArraySlice<UInt8>, options: SSTPParseOptions = .default)
        throws(SSTPWireError)
    {
        guard bytes.count >= sstpPacketHeaderLength else {
            throw .truncatedHeader(have: bytes.count)
        }
        let i = bytes.startIndex
        try self.init(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], options: options)
    }

    @inline(__always)
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, options: SSTPParseOptions)
        throws(SSTPWireError)
    {
        guard b0 == sstpVersion else { throw .badVersion(b0) }
        if options.strictReserved {
            if b1 & 0xfe != 0 { throw .reservedBitsSet(.packetHeader) }
            if b2 & 0xf0 != 0 { throw .reservedBitsSet(.packetLength) }
        }
        isControl = b1 & 0x01 == 1
        length = Int(b2 & 0x0f) << 8 | Int(b3)
        let minimum = isControl ? sstpControlHeaderLength : sstpPacketHeaderLength
        guard length >= minimum else {
            throw .packetLengthTooShort(declared: length, minimum: minimum)
        }
    }
}
