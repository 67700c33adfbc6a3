import Testing

@testable import SSTPDataPlane

@Suite struct MSSClampTests {
    /// One's-complement sum over 16-bit words (RFC 1071).
    static func sum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        var s = initial
        var i = 0
        while i + 1 < bytes.count {
            s += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { s += UInt32(bytes[i]) << 8 }
        return s
    }

    static func fold(_ s: UInt32) -> UInt16 {
        var s = s
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        return ~UInt16(s)
    }

    /// A TCP SYN with MSS, SACK-permitted and window scale options.
    static func tcpSYN(mss: UInt16, flags: UInt8 = 0x02) -> [UInt8] {
        var tcp: [UInt8] = [0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, flags, 0xff, 0xff, 0, 0, 0, 0]
        tcp += [0x02, 0x04, UInt8(mss >> 8), UInt8(mss & 0xff), 0x04, 0x02, 0x01, 0x03, 0x03, 0x07]
        tcp += [0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00]
        tcp[12] = UInt8(tcp.count / 4) << 4
        return tcp
    }

    static func ipv4(_ tcp: [UInt8]) -> [UInt8] {
        var tcp = tcp
        let src: [UInt8] = [10, 0, 0, 1]
        let dst: [UInt8] = [10, 0, 0, 2]
        let pseudo = src + dst + [0, 6, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xff)]
        let c = fold(sum(pseudo + tcp))
        tcp[16] = UInt8(c >> 8)
        tcp[17] = UInt8(c & 0xff)
        let total = 20 + tcp.count
        var ip: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, 6, 0, 0] + src + dst
        let h = fold(sum(ip))
        ip[10] = UInt8(h >> 8)
        ip[11] = UInt8(h & 0xff)
        return ip + tcp
    }

    static func tcpChecksumValid(ipv4 packet: [UInt8]) -> Bool {
        let tcp = Array(packet[20...])
        let pseudo = Array(packet[12..<20]) + [0, 6, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xff)]
        return fold(sum(pseudo + tcp)) == 0
    }

    @Test func clampsIPv4SYNAndKeepsChecksumValid() {
        var packet = Self.ipv4(Self.tcpSYN(mss: 1460))
        #expect(Self.tcpChecksumValid(ipv4: packet))
        let changed = packet.withUnsafeMutableBytes { MSSClamp.clamp($0, mtu: 1400) }
        #expect(changed)
        #expect(Int(packet[42]) << 8 | Int(packet[43]) == 1360)
        #expect(Self.tcpChecksumValid(ipv4: packet))
    }

    @Test func leavesSmallMSSAndNonSYNAlone() {
        var small = Self.ipv4(Self.tcpSYN(mss: 1200))
        let before = small
        #expect(!small.withUnsafeMutableBytes { MSSClamp.clamp($0, mtu: 1400) })
        #expect(small == before)
        var ack = Self.ipv4(Self.tcpSYN(mss: 1460, flags: 0x10))
        #expect(!ack.withUnsafeMutableBytes { MSSClamp.clamp($0, mtu: 1400) })
    }

    @Test func clampsIPv6SYN() {
        let tcp = Self.tcpSYN(mss: 1440)
        var packet: [UInt8] = [0x60, 0, 0, 0, 0, UInt8(tcp.count), 6, 64]
        packet += [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15) + [2]
        packet += tcp
        #expect(packet.withUnsafeMutableBytes { MSSClamp.clamp($0, mtu: 1400) })
        #expect(Int(packet[62]) << 8 | Int(packet[63]) == 1340)
    }

    @Test func truncatedPacketsNeverTrap() {
        let full = Self.ipv4(Self.tcpSYN(mss: 1460))
        for cut in 0..<full.count {
            var part = Array(full[..<cut])
            _ = part.withUnsafeMutableBytes { MSSClamp.clamp($0, mtu: 1400) }
        }
        var garbage: [UInt8] = [0x4f, 0, 0, 0, 0, 0, 0, 0, 0, 6] + [UInt8](repeating: 0xff, count: 50)
        #expect(!garbage.withUnsafeMutableBytes { MSSClamp.clamp($0, mtu: 1400) })
    }
}

@Suite struct OutboundBatchTests {
    @Test func packsPacketsBackToBack() {
        var batch = OutboundBatch(capacity: 64)
        let ip: [UInt8] = [0x45, 1, 2, 3, 4, 5]
        ip.withUnsafeBytes { batch.nextPacketSpace.copyMemory(from: $0) }
        batch.commit(length: ip.count, protocolNumber: 0x0021)
        ip.withUnsafeBytes { batch.nextPacketSpace.copyMemory(from: $0) }
        batch.commit(length: ip.count, protocolNumber: 0x0057)
        let packets = batch.packetCount
        #expect(packets == 2)
        let bytes = Array(batch.bytes)
        #expect(bytes.count == 28)
        #expect(Array(bytes[0..<8]) == [0x10, 0x00, 0x00, 0x0e, 0xff, 0x03, 0x00, 0x21])
        #expect(Array(bytes[14..<22]) == [0x10, 0x00, 0x00, 0x0e, 0xff, 0x03, 0x00, 0x57])
        let space = batch.spaceForNextPacket
        #expect(space == 64 - 28 - 8)
        batch.consume(14)
        #expect(Array(batch.bytes) == Array(bytes[14...]))
        let extra: [UInt8] = Array(repeating: 9, count: 51)
        #expect(!extra.withUnsafeBytes { batch.append($0) })
        batch.reset()
        let empty = batch.isEmpty
        #expect(empty)
    }
}
