/// The flow of an IP packet for per-flow queueing (RFC 8290 section 4.1.1):
/// a hash of the 5-tuple (addresses, protocol, and the TCP, UDP, UDP-Lite,
/// SCTP or DCCP ports), mixed with a per-instance seed so that flows which
/// collide in one queue do not collide everywhere. Not IP, or too short:
/// flow 0's hash of nothing but the seed.
public enum FlowHash {
    public static func hash(_ ip: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ 0x9e37_79b9_7f4a_7c15
        guard ip.count >= 20 else { return mix(h) }
        let version = ip[0] >> 4
        var protocolNumber: UInt8
        var transport: Int
        if version == 4 {
            let ihl = Int(ip[0] & 0x0f) * 4
            protocolNumber = ip[9]
            h = absorb(h, load32(ip, 12))
            h = absorb(h, load32(ip, 16))
            // A fragment other than the first has no ports (RFC 791 section 3.1).
            let fragmentOffset = (UInt16(ip[6]) << 8 | UInt16(ip[7])) & 0x1fff
            transport = fragmentOffset == 0 && ihl >= 20 ? ihl : -1
        } else if version == 6, ip.count >= 40 {
            protocolNumber = ip[6]
            var i = 8
            while i < 40 {
                h = absorb(h, load32(ip, i))
                i += 4
            }
            transport = 40
        } else {
            return mix(h)
        }
        h = absorb(h, UInt32(protocolNumber))
        let hasPorts =
            protocolNumber == 6 || protocolNumber == 17 || protocolNumber == 136 || protocolNumber == 132
            || protocolNumber == 33
        if hasPorts, transport >= 0, transport + 4 <= ip.count {
            h = absorb(h, load32(ip, transport))
        }
        return mix(h)
    }

    @inline(__always)
    static func load32(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(p[offset]) << 24 | UInt32(p[offset + 1]) << 16 | UInt32(p[offset + 2]) << 8 | UInt32(p[offset + 3])
    }

    @inline(__always)
    static func absorb(_ h: UInt64, _ word: UInt32) -> UInt64 {
        (h ^ UInt64(word)) &* 0x1000_0000_01b3 &+ 0x7f4a_7c15
    }

    /// A 64-bit finaliser (xor-shift-multiply), so every input bit reaches the low bits.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
