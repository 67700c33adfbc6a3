/// TCP MSS clamping on SYNs that cross the tunnel (RFC 879 §7, RFC 6691):
/// the MSS option of a SYN is lowered to fit the tunnel MTU, so TCP never
/// builds segments the tunnel would have to fragment. Works in place, fixes
/// the TCP checksum incrementally (RFC 1624), allocates nothing.
public enum MSSClamp {
    /// Clamps the packet at `packet` (an IPv4 or IPv6 packet) to `mtu`.
    /// Returns true when it changed the packet.
    @discardableResult
    public static func clamp(_ packet: UnsafeMutableRawBufferPointer, mtu: Int) -> Bool {
        guard let first = packet.first else { return false }
        let version = first >> 4
        var tcpOffset: Int
        var maximum: Int
        if version == 4 {
            guard packet.count >= 20 else { return false }
            let headerLength = Int(first & 0x0f) * 4
            // Protocol TCP, not a later fragment (RFC 791 §3.1).
            guard headerLength >= 20, packet[9] == 6, packet[6] & 0x1f == 0, packet[7] == 0 else { return false }
            tcpOffset = headerLength
            maximum = mtu - 40
        } else if version == 6 {
            // Only TCP directly after the fixed header (RFC 8200 §3); SYNs with
            // extension headers are rare and left alone.
            guard packet.count >= 40, packet[6] == 6 else { return false }
            tcpOffset = 40
            maximum = mtu - 60
        } else {
            return false
        }
        guard maximum > 0, packet.count >= tcpOffset + 20 else { return false }
        // SYN flag (RFC 9293 §3.1).
        guard packet[tcpOffset + 13] & 0x02 != 0 else { return false }
        let dataOffset = Int(packet[tcpOffset + 12] >> 4) * 4
        guard dataOffset > 20, packet.count >= tcpOffset + dataOffset else { return false }
        var i = tcpOffset + 20
        let end = tcpOffset + dataOffset
        while i < end {
            let kind = packet[i]
            if kind == 0 { break }
            if kind == 1 {
                i += 1
                continue
            }
            guard i + 1 < end else { break }
            let length = Int(packet[i + 1])
            guard length >= 2, i + length <= end else { break }
            if kind == 2, length == 4 {
                let current = Int(packet[i + 2]) << 8 | Int(packet[i + 3])
                guard current > maximum else { return false }
                let old = UInt16(current)
                let new = UInt16(maximum)
                packet[i + 2] = UInt8(new >> 8)
                packet[i + 3] = UInt8(new & 0xff)
                let checksumIndex = tcpOffset + 16
                let sum = UInt16(packet[checksumIndex]) << 8 | UInt16(packet[checksumIndex + 1])
                let updated = adjustChecksum(sum, old: old, new: new)
                packet[checksumIndex] = UInt8(updated >> 8)
                packet[checksumIndex + 1] = UInt8(updated & 0xff)
                return true
            }
            i += length
        }
        return false
    }

    /// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
    static func adjustChecksum(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        var sum = UInt32(~checksum) + UInt32(~old) + UInt32(new)
        sum = (sum & 0xffff) + (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16)
        return ~UInt16(sum)
    }
}
