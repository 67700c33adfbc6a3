/// Congestion Experienced marking of IP packets (RFC 3168 section 5): the
/// two ECN bits of the IPv4 TOS byte or the IPv6 Traffic Class, with the
/// IPv4 header checksum updated incrementally (RFC 1624 section 3, eqn. 3).
public enum ECNMark {
    /// The ECN codepoints (RFC 3168 section 5).
    public static let notECT: UInt8 = 0b00
    public static let ect1: UInt8 = 0b01
    public static let ect0: UInt8 = 0b10
    public static let ce: UInt8 = 0b11

    /// The ECN field of the IP packet at `ip` (nil: not IPv4 or IPv6, or too short).
    public static func codepoint(_ ip: UnsafeRawBufferPointer) -> UInt8? {
        guard ip.count >= 2 else { return nil }
        switch ip[0] >> 4 {
        case 4:
            guard ip.count >= 20 else { return nil }
            return ip[1] & 0x03
        case 6:
            guard ip.count >= 40 else { return nil }
            // Traffic Class is bits 4..11 of the first word; ECN its low two.
            return (ip[1] >> 4) & 0x03
        default:
            return nil
        }
    }

    /// Sets CE on an ECN-capable packet (ECT(0) or ECT(1)); a packet already
    /// CE stays as it is. Returns false for a Not-ECT packet (or one that is
    /// not IP), which the caller drops instead (RFC 3168 section 5: a
    /// router marks only ECN-capable packets).
    public static func markCongestionExperienced(_ ip: UnsafeMutableRawBufferPointer) -> Bool {
        guard let ecn = codepoint(UnsafeRawBufferPointer(ip)) else { return false }
        if ecn == ce { return true }
        guard ecn != notECT else { return false }
        if ip[0] >> 4 == 6 {
            ip[1] |= 0x30
            return true
        }
        // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over the 16-bit word that
        // holds version, IHL and TOS.
        let oldWord = UInt32(ip[0]) << 8 | UInt32(ip[1])
        ip[1] |= 0x03
        let newWord = UInt32(ip[0]) << 8 | UInt32(ip[1])
        let checksum = UInt32(ip[10]) << 8 | UInt32(ip[11])
        var sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + newWord
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        let updated = ~UInt16(truncatingIfNeeded: sum)
        ip[10] = UInt8(updated >> 8)
        ip[11] = UInt8(updated & 0xff)
        return true
    }
}
