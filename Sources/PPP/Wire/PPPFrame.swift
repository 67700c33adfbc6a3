/// One PPP frame as carried in an SSTP data packet (RFC 1661 §2, RFC 1662
/// §3.1 without flags and FCS): Address, Control, Protocol, Information.
public struct PPPFrame: Hashable, Sendable {
    public var protocolNumber: UInt16
    /// The Information field (RFC 1661 §2), padding included.
    public var information: ArraySlice<UInt8>

    public init(protocolNumber: UInt16, information: ArraySlice<UInt8>) {
        self.protocolNumber = protocolNumber
        self.information = information
    }

    /// Parses a received frame; see `PPPFrameHeader.decode` for what is accepted.
    public init(parsing bytes: [UInt8]) throws(PPPWireError) {
        guard !bytes.isEmpty else { throw .emptyFrame }
        let header = bytes.withUnsafeBytes { PPPFrameHeader.decode($0) }
        guard let header else {
            // Tell a cut field from a bad value.
            var offset = 0
            if bytes[0] == PPPFrameHeader.address {
                guard bytes.count >= 2 && bytes[1] == PPPFrameHeader.control else {
                    throw .invalidAddressOrControl(control: bytes.count >= 2 ? bytes[1] : nil)
                }
                offset = 2
            }
            guard bytes.count >= offset + 2 else { throw .truncatedProtocolField }
            throw .invalidProtocolField(UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
        }
        protocolNumber = header.protocolNumber
        information = bytes[header.headerLength...]
    }

    /// The frame as this engine always sends it: `ff 03`, the 2-byte
    /// Protocol field (RFC 1661 §6.5, §6.6: LCP must never be compressed,
    /// and we negotiate no compression), then the information.
    public static func serialize(protocolNumber: UInt16, information: some Collection<UInt8>)
        -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(PPPFrameHeader.length + information.count)
        out.append(PPPFrameHeader.address)
        out.append(PPPFrameHeader.control)
        out.append(UInt8(protocolNumber >> 8))
        out.append(UInt8(protocolNumber & 0xff))
        out.append(contentsOf: information)
        return out
    }

    public func serialized() -> [UInt8] {
        Self.serialize(protocolNumber: protocolNumber, information: information)
    }
}
