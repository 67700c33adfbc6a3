import Testing

@testable import SSTPDataPlane

/// RFC 1071 the slow way, big-endian words.
private func referenceSum(_ bytes: [UInt8]) -> UInt16 {
    var s: UInt32 = 0
    var i = 0
    while i + 1 < bytes.count {
        s += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
        i += 2
    }
    if i < bytes.count { s += UInt32(bytes[i]) << 8 }
    while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
    return UInt16(s)
}

private func be16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
private func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

/// A TCP packet with a 12-byte option block, `payload` bytes of data and
/// partial checksums as the kernel leaves them (IPv4 header checksum set).
private func tcpPacket(ipv6: Bool, payload: [UInt8], flags: UInt8, sequence: UInt32 = 0xffff_f000) -> [UInt8] {
    var tcp: [UInt8] = [0x9c, 0x40, 0x14, 0x51]
    tcp += [
        UInt8(sequence >> 24), UInt8((sequence >> 16) & 0xff), UInt8((sequence >> 8) & 0xff), UInt8(sequence & 0xff),
    ]
    tcp += [0, 0, 0x10, 0x01, 0x80, flags, 0x01, 0xf5, 0, 0, 0, 0]
    tcp += [0x01, 0x01, 0x08, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]
    let total = tcp.count + payload.count
    if ipv6 {
        var ip: [UInt8] = [0x60, 0, 0, 0, UInt8(total >> 8), UInt8(total & 0xff), 6, 64]
        ip += [0xfe, 0x80] + Array(repeating: 0, count: 6) + [0, 0, 0, 0, 0, 0, 0, 2]
        ip += [0xfe, 0x80] + Array(repeating: 0, count: 6) + [0, 0, 0, 0, 0, 0, 0, 1]
        return ip + tcp + payload
    }
    let length = 20 + total
    var ip: [UInt8] = [0x45, 0, UInt8(length >> 8), UInt8(length & 0xff), 0xab, 0xcd, 0x40, 0, 64, 6, 0, 0]
    ip += [10, 201, 0, 10, 10, 201, 0, 1]
    let c = ~referenceSum(ip)
    ip[10] = UInt8(c >> 8)
    ip[11] = UInt8(c & 0xff)
    return ip + tcp + payload
}

/// The TCP/UDP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1).
private func pseudoHeader(_ packet: [UInt8], transportLength: Int, protocolNumber: UInt8) -> [UInt8] {
    if packet[0] >> 4 == 4 {
        return Array(packet[12..<20]) + [0, protocolNumber, UInt8(transportLength >> 8), UInt8(transportLength & 0xff)]
    }
    return Array(packet[8..<40]) + [
        0, 0, UInt8(transportLength >> 8), UInt8(transportLength & 0xff), 0, 0, 0, protocolNumber,
    ]
}

/// Splits the SSTP data packets of a batch into their IP packets.
private func ipPackets(_ batch: borrowing OutboundBatch) -> [[UInt8]] {
    let bytes = Array(batch.bytes)
    var out: [[UInt8]] = []
    var i = 0
    while i < bytes.count {
        let length = be16(bytes, i + 2) & 0x0fff
        #expect(bytes[i] == 0x10 && bytes[i + 4] == 0xff && bytes[i + 5] == 0x03)
        out.append(Array(bytes[(i + 8)..<(i + length)]))
        i += length
    }
    return out
}

/// Checks every segment and returns the payload they carry, in order.
private func checkSegments(_ segments: [[UInt8]], original: [UInt8], gsoSize: Int) -> [UInt8] {
    let ipv6 = original[0] >> 4 == 6
    let ipHeader = ipv6 ? 40 : 20
    let headerLength = ipHeader + 32
    var payload: [UInt8] = []
    for (i, s) in segments.enumerated() {
        let last = i == segments.count - 1
        #expect(s.count == headerLength + (last ? (original.count - headerLength - gsoSize * i) : gsoSize))
        if ipv6 {
            #expect(be16(s, 4) == s.count - 40)
        } else {
            #expect(be16(s, 2) == s.count)
            #expect(be16(s, 4) == (0xabcd + i) & 0xffff)
            #expect(referenceSum(Array(s[0..<20])) == 0xffff)
        }
        #expect(be32(s, ipHeader + 4) == be32(original, ipHeader + 4) &+ UInt32(i * gsoSize))
        let flags = s[ipHeader + 13]
        let originalFlags = original[ipHeader + 13]
        #expect(flags & 0x01 == (last ? originalFlags & 0x01 : 0))  // FIN
        #expect(flags & 0x08 == (last ? originalFlags & 0x08 : 0))  // PSH
        #expect(flags & 0x80 == (i == 0 ? originalFlags & 0x80 : 0))  // CWR
        #expect(flags & 0x10 == 0x10)  // ACK stays
        let transport = Array(s[ipHeader...])
        let pseudo = pseudoHeader(s, transportLength: transport.count, protocolNumber: 6)
        #expect(referenceSum(pseudo + transport) == 0xffff, "segment \(i)")
        payload += s[headerLength...]
    }
    return payload
}

@Suite struct InternetChecksumTests {
    @Test func matchesRFC1071OnEveryLengthAndAlignment() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for start in [0, 1, 2, 3, 7] {
            for count in 0..<(data.count - start) where count % 7 == 0 || count < 20 {
                let slice = Array(data[start..<(start + count)])
                let s = slice.withUnsafeBytes {
                    InternetChecksum.fold(InternetChecksum.sum($0.baseAddress!, count: count))
                }
                // Memory order on a little-endian machine is the byte-swapped
                // big-endian sum.
                #expect(
                    s.bigEndian == referenceSum(slice) || (s == 0 && referenceSum(slice) == 0xffff)
                        || (s == 0xffff && referenceSum(slice) == 0))
            }
        }
    }

    @Test func copyAndSumCopiesAndSums() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<203).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var out = [UInt8](repeating: 0, count: data.count)
        let s = data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                InternetChecksum.copyAndSum(from: src.baseAddress!, to: dst.baseAddress!, count: data.count, initial: 0)
            }
        }
        #expect(out == data)
        let expected = data.withUnsafeBytes { InternetChecksum.sum($0.baseAddress!, count: data.count) }
        #expect(InternetChecksum.fold(s) == InternetChecksum.fold(expected))
    }

    @Test func completesAPartialUDPChecksum() {
        // IPv4/UDP with the pseudo-header's folded sum in the checksum field,
        // as the kernel leaves it with CHECKSUM_PARTIAL.
        var packet: [UInt8] = [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1]
        let payload: [UInt8] = Array("hello, partial checksum!".utf8) + [7]
        let udpLength = 8 + payload.count
        packet += [0x30, 0x39, 0, 9, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0] + payload
        packet[3] = UInt8(packet.count)
        let pseudo = referenceSum(pseudoHeader(packet, transportLength: udpLength, protocolNumber: 17))
        packet[26] = UInt8(pseudo >> 8)
        packet[27] = UInt8(pseudo & 0xff)
        let ok = packet.withUnsafeMutableBytes { TUNOffload.completeChecksum($0, start: 20, offset: 6) }
        #expect(ok)
        let transport = Array(packet[20...])
        #expect(
            referenceSum(pseudoHeader(packet, transportLength: udpLength, protocolNumber: 17) + transport) == 0xffff)
        let outside = packet.withUnsafeMutableBytes { TUNOffload.completeChecksum($0, start: 20, offset: 40) }
        #expect(!outside)
    }
}

@Suite struct SegmentationTests {
    static let payload: [UInt8] = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    @Test(arguments: [false, true])
    func splitsASuperpacketFromOutside(ipv6: Bool) {
        let packet = tcpPacket(ipv6: ipv6, payload: Self.payload, flags: 0x80 | 0x10 | 0x08 | 0x01)
        let header = VirtioNetHeader(
            flags: 1, gsoType: ipv6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4,
            headerLength: UInt16(ipv6 ? 72 : 52), gsoSize: 1348)
        var batch = OutboundBatch(capacity: 16384)
        let added = packet.withUnsafeBytes { batch.append(packet: $0, header: header, protocolNumber: 0x0021) }
        #expect(added == 4)
        let segments = ipPackets(batch)
        #expect(segments.count == 4)
        #expect(checkSegments(segments, original: packet, gsoSize: 1348) == Self.payload)
        let expectedLength = packet.withUnsafeBytes { OutboundBatch.segmentedLength(of: $0, header: header) }
        let count = batch.count
        #expect(expectedLength == count)
    }

    @Test(arguments: [0, 1, 1403])
    func splitsASuperpacketReadInPlace(already: Int) {
        // A packet already queued, then a superpacket read at
        // nextPacketSpace with its virtio header, with just enough room.
        let packet = tcpPacket(ipv6: false, payload: Self.payload, flags: 0x10 | 0x08)
        let header = VirtioNetHeader(flags: 1, gsoType: VirtioNetHeader.gsoTCPv4, headerLength: 52, gsoSize: 1000)
        let segmented = packet.withUnsafeBytes { OutboundBatch.segmentedLength(of: $0, header: header) }!
        var batch = OutboundBatch(capacity: (already > 0 ? already + 8 : 0) + segmented + packet.count)
        if already > 0 {
            let filler = [UInt8](repeating: 0x45, count: already)
            filler.withUnsafeBytes { batch.nextPacketSpace.copyMemory(from: $0) }
            batch.commit(length: already, protocolNumber: 0x0021)
        }
        packet.withUnsafeBytes { batch.nextPacketSpace.copyMemory(from: $0) }
        header.bytes.withUnsafeBytes { batch.virtioHeaderSpace.copyMemory(from: $0) }
        let added = batch.commit(
            length: packet.count, virtioHeader: UnsafeRawBufferPointer(batch.virtioHeaderSpace), protocolNumber: 0x0021,
            mtu: 1400)
        #expect(added == 5)
        var segments = ipPackets(batch)
        if already > 0 { segments.removeFirst() }
        #expect(checkSegments(segments, original: packet, gsoSize: 1000) == Self.payload)
    }

    @Test func dropsWhatDoesNotFitOrCannotSplit() {
        let packet = tcpPacket(ipv6: false, payload: Self.payload, flags: 0x10)
        let header = VirtioNetHeader(flags: 1, gsoType: VirtioNetHeader.gsoTCPv4, headerLength: 52, gsoSize: 1000)
        var small = OutboundBatch(capacity: 4096)
        #expect(packet.withUnsafeBytes { small.append(packet: $0, header: header, protocolNumber: 0x0021) } == 0)
        let empty = small.isEmpty
        #expect(empty)
        var udp = header
        udp.gsoType = 5  // VIRTIO_NET_HDR_GSO_UDP_L4: not offered, not split
        var batch = OutboundBatch(capacity: 16384)
        #expect(packet.withUnsafeBytes { batch.append(packet: $0, header: udp, protocolNumber: 0x0021) } == 0)
    }

    @Test func completesAndClampsAPlainPacketInPlace() {
        // A SYN with a partial checksum: the checksum is completed first,
        // then the MSS is clamped with the checksum kept right.
        var syn = tcpPacket(ipv6: false, payload: [], flags: 0x02)
        syn[20 + 20] = 2  // MSS option in place of the first NOPs
        syn[20 + 21] = 4
        syn[20 + 22] = 0x05
        syn[20 + 23] = 0xb4
        let pseudo = referenceSum(pseudoHeader(syn, transportLength: syn.count - 20, protocolNumber: 6))
        syn[36] = UInt8(pseudo >> 8)
        syn[37] = UInt8(pseudo & 0xff)
        var batch = OutboundBatch(capacity: 4096)
        syn.withUnsafeBytes { batch.nextPacketSpace.copyMemory(from: $0) }
        let header = VirtioNetHeader(flags: 1, checksumStart: 20, checksumOffset: 16)
        header.bytes.withUnsafeBytes { batch.virtioHeaderSpace.copyMemory(from: $0) }
        let added = batch.commit(
            length: syn.count, virtioHeader: UnsafeRawBufferPointer(batch.virtioHeaderSpace), protocolNumber: 0x0021,
            mtu: 1400)
        #expect(added == 1)
        let out = ipPackets(batch)[0]
        #expect(be16(out, 42) == 1360)
        #expect(
            referenceSum(pseudoHeader(out, transportLength: out.count - 20, protocolNumber: 6) + Array(out[20...]))
                == 0xffff)
    }

    @Test func virtioHeaderRoundTrips() {
        let h = VirtioNetHeader(
            flags: 1, gsoType: 4, ecn: true, headerLength: 72, gsoSize: 1348, checksumStart: 40, checksumOffset: 16)
        let back = h.bytes.withUnsafeBytes { VirtioNetHeader($0) }
        #expect(back == h)
        #expect(h.bytes[1] == 0x84)
    }
}

@Suite struct TCPCoalescerTests {
    /// The segments a TSO superpacket makes, as they come out of the tunnel.
    static func segments(payload: [UInt8], size: Int, flags: UInt8 = 0x10 | 0x08) -> [[UInt8]] {
        let packet = tcpPacket(ipv6: false, payload: payload, flags: flags)
        let header = VirtioNetHeader(
            flags: 1, gsoType: VirtioNetHeader.gsoTCPv4, headerLength: 52, gsoSize: UInt16(size))
        var batch = OutboundBatch(capacity: 131072)
        _ = packet.withUnsafeBytes { batch.append(packet: $0, header: header, protocolNumber: 0x0021) }
        return ipPackets(batch)
    }

    @Test func joinsARunOfSegmentsIntoOneSuperpacket() {
        let payload = SegmentationTests.payload
        let parts = Self.segments(payload: payload, size: 1348)
        #expect(parts.count == 4)
        var c = TCPCoalescer()
        for p in parts { #expect(p.withUnsafeBytes { c.add($0) }) }
        let out = Array(c.finish()!)
        let joined = c.joined
        #expect(joined == 4)
        let h = out.withUnsafeBytes { VirtioNetHeader(UnsafeRawBufferPointer(rebasing: $0[0..<10])) }
        #expect(h.gsoType == VirtioNetHeader.gsoTCPv4 && h.gsoSize == 1348 && h.needsChecksum)
        #expect(h.checksumStart == 20 && h.checksumOffset == 16 && h.headerLength == 52)
        let ip = Array(out[10...])
        #expect(be16(ip, 2) == ip.count)
        #expect(referenceSum(Array(ip[0..<20])) == 0xffff)
        #expect(Array(ip[52...]) == payload)
        #expect(be32(ip, 24) == be32(parts[0], 24))
        #expect(ip[33] & 0x08 != 0)  // PSH from the last segment
        // Partial checksum: the pseudo-header's sum, which completing over
        // the segment yields a valid checksum.
        var completed = ip
        let ok = completed.withUnsafeMutableBytes { TUNOffload.completeChecksum($0, start: 20, offset: 16) }
        #expect(ok)
        let pseudo = pseudoHeader(completed, transportLength: completed.count - 20, protocolNumber: 6)
        #expect(referenceSum(pseudo + Array(completed[20...])) == 0xffff)
        let empty = c.isEmpty
        #expect(empty)
        let nothing = c.finish()
        #expect(nothing == nil)
    }

    @Test func keepsOrderAndRefusesWhatDoesNotFollow() {
        let parts = Self.segments(payload: SegmentationTests.payload, size: 1000)
        var c = TCPCoalescer()
        #expect(parts[0].withUnsafeBytes { c.add($0) })
        // A gap in the sequence, a retransmission, a SYN: not joined.
        #expect(!parts[2].withUnsafeBytes { c.add($0) })
        #expect(!parts[0].withUnsafeBytes { c.add($0) })
        let syn = tcpPacket(ipv6: false, payload: [], flags: 0x02)
        #expect(!syn.withUnsafeBytes { c.add($0) })
        #expect(parts[1].withUnsafeBytes { c.add($0) })
        // A lone segment goes out as it came (zero virtio header).
        let two = Array(c.finish()!)
        #expect(two.count == 10 + 52 + 2000)
        var d = TCPCoalescer()
        #expect(parts[4].withUnsafeBytes { d.add($0) })
        let one = Array(d.finish()!)
        #expect(Array(one[0..<10]) == Array(repeating: 0, count: 10))
        #expect(Array(one[10...]) == parts[4])
        // After a short (last) segment nothing more joins.
        var e = TCPCoalescer()
        #expect(parts[4].withUnsafeBytes { e.add($0) })
        #expect(!parts[3].withUnsafeBytes { e.add($0) })
    }

    @Test func leavesIPv6AndOtherFlowsAlone() {
        let v6 = tcpPacket(ipv6: true, payload: [1, 2, 3], flags: 0x10)
        var c = TCPCoalescer()
        #expect(!v6.withUnsafeBytes { c.add($0) })
        let parts = Self.segments(payload: SegmentationTests.payload, size: 1000)
        #expect(parts[0].withUnsafeBytes { c.add($0) })
        var other = parts[1]
        other[21] ^= 1  // another source port
        #expect(!other.withUnsafeBytes { c.add($0) })
    }
}

@Suite struct UDPSegmentationTests {
    @Test(arguments: [false, true])
    func splitsAUDPSuperpacket(ipv6: Bool) {
        let payload = SegmentationTests.payload
        let udpLength = 8 + payload.count
        var packet: [UInt8]
        if ipv6 {
            packet = [0x60, 0, 0, 0, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 17, 64]
            packet += [0xfe, 0x80] + Array(repeating: 0, count: 6) + [0, 0, 0, 0, 0, 0, 0, 2]
            packet += [0xfe, 0x80] + Array(repeating: 0, count: 6) + [0, 0, 0, 0, 0, 0, 0, 1]
        } else {
            let total = 20 + udpLength
            packet = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0x12, 0x34, 0, 0, 64, 17, 0, 0]
            packet += [10, 201, 0, 10, 10, 201, 0, 1]
        }
        packet += [0x30, 0x39, 0, 9, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0] + payload
        let header = VirtioNetHeader(
            flags: 1, gsoType: VirtioNetHeader.gsoUDPL4, headerLength: UInt16(ipv6 ? 48 : 28), gsoSize: 1372)
        var batch = OutboundBatch(capacity: 16384)
        let added = packet.withUnsafeBytes { batch.append(packet: $0, header: header, protocolNumber: 0x0021) }
        #expect(added == 4)
        let ipHeader = ipv6 ? 40 : 20
        var joined: [UInt8] = []
        for (i, s) in ipPackets(batch).enumerated() {
            let size = min(1372, payload.count - 1372 * i)
            #expect(s.count == ipHeader + 8 + size)
            if ipv6 {
                #expect(be16(s, 4) == 8 + size)
            } else {
                #expect(be16(s, 2) == s.count)
                #expect(be16(s, 4) == 0x1234 + i)
                #expect(referenceSum(Array(s[0..<20])) == 0xffff)
            }
            #expect(be16(s, ipHeader + 4) == 8 + size)
            let udp = Array(s[ipHeader...])
            #expect(referenceSum(pseudoHeader(s, transportLength: udp.count, protocolNumber: 17) + udp) == 0xffff)
            joined += udp[8...]
        }
        #expect(joined == payload)
    }
}
