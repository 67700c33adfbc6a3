import Testing

@testable import SSTPDataPlane

/// FQ-CoDel with a fake clock: every time is given, nothing is timed.
@Suite struct FlowQueueCoDelTests {
    /// An SSTP-framed (8 bytes, unchecked here) IPv4 UDP packet of `size`
    /// IP bytes from port `sourcePort`, with `ecn` in the TOS byte, a valid
    /// header checksum, and `tag` in the first 8 payload bytes.
    static func packet(sourcePort: UInt16, size: Int = 1400, ecn: UInt8 = ECNMark.notECT, tag: UInt64 = 0)
        -> [UInt8]
    {
        var p = [UInt8](repeating: 0, count: 8 + size)
        p[0] = 0x10
        let ip = 8
        p[ip] = 0x45
        p[ip + 1] = ecn
        p[ip + 2] = UInt8(size >> 8)
        p[ip + 3] = UInt8(size & 0xff)
        p[ip + 8] = 64
        p[ip + 9] = 17
        p[ip + 12...ip + 15] = [10, 0, 0, 2]
        p[ip + 16...ip + 19] = [10, 0, 0, 1]
        let checksum = headerChecksum(Array(p[ip..<(ip + 20)]))
        p[ip + 10] = UInt8(checksum >> 8)
        p[ip + 11] = UInt8(checksum & 0xff)
        p[ip + 20] = UInt8(sourcePort >> 8)
        p[ip + 21] = UInt8(sourcePort & 0xff)
        p[ip + 22] = 0x13
        p[ip + 23] = 0x89
        for i in 0..<8 { p[ip + 28 + i] = UInt8(truncatingIfNeeded: tag >> (8 * i)) }
        return p
    }

    /// RFC 791 header checksum, computed in full (0 in the field first).
    static func headerChecksum(_ header: [UInt8]) -> UInt16 {
        var h = header
        h[10] = 0
        h[11] = 0
        var s: UInt32 = 0
        for i in stride(from: 0, to: h.count, by: 2) { s += UInt32(h[i]) << 8 | UInt32(h[i + 1]) }
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        return ~UInt16(s)
    }

    static func tag(_ p: UnsafeRawBufferPointer) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(p[8 + 28 + $1]) << (8 * $1) }
    }

    static func sourcePort(_ p: UnsafeRawBufferPointer) -> UInt16 { UInt16(p[28]) << 8 | UInt16(p[29]) }

    static func config(slots: Int = 1024, ecn: Bool = true) -> FlowQueueCoDel.Configuration {
        var c = FlowQueueCoDel.Configuration()
        c.ipOffset = 8
        c.slots = slots
        c.ecn = ecn
        c.slotSize = 1600
        return c
    }

    static func ms(_ x: Double) -> Duration { .nanoseconds(Int64(x * 1_000_000)) }

    static func enqueue(_ q: FlowQueueCoDel, _ p: [UInt8], at t: Duration) {
        p.withUnsafeBytes { _ = q.enqueue($0, now: t) }
    }

    /// A 20 Mbit/s link (one 1400-byte packet per 0.56 ms) behind a bulk
    /// flow that offers twice that, and a ping every 20 ms: the ping's
    /// sojourn stays well under a packet time or two, the bulk flow's
    /// queue grows past CoDel's target.
    @Test func sparseFlowSkipsTheBulkQueue() {
        let q = FlowQueueCoDel(Self.config())
        let packetTime = 0.56
        var pingSojourns: [Double] = []
        var bulkSojourns: [Double] = []
        var t = 0.0
        var nextPing = 10.0
        var sent = 0
        var pings = 0
        while t < 2000 {
            // Two bulk packets per packet time; their tag is the enqueue time in µs.
            for _ in 0..<2 { Self.enqueue(q, Self.packet(sourcePort: 5001, tag: UInt64(t * 1000)), at: Self.ms(t)) }
            if t >= nextPing {
                Self.enqueue(q, Self.packet(sourcePort: 7, size: 84, tag: UInt64(t * 1000)), at: Self.ms(t))
                nextPing += 20
                pings += 1
            }
            q.dequeue(now: Self.ms(t)) { p in
                let sojourn = t - Double(Self.tag(p)) / 1000
                if Self.sourcePort(p) == 7 { pingSojourns.append(sojourn) } else { bulkSojourns.append(sojourn) }
                sent += 1
            }
            t += packetTime
        }
        #expect(pingSojourns.count >= 99)
        #expect((pingSojourns.max() ?? 99) <= packetTime * 2)
        // The bulk flow did wait: it is what CoDel acts on.
        #expect((bulkSojourns.max() ?? 0) > 5)
        #expect(q.statistics.codelDropped > 0)
        // Not-ECT packets are dropped, never marked.
        #expect(q.statistics.ecnMarked == 0)
        // An unresponsive flow at twice the rate fills the pool too; what
        // makes room comes from it (the longest flow), never from the ping.
        #expect(pingSojourns.count == pings)
    }

    /// A standing queue of 20 ms sojourn: nothing is dropped until the
    /// sojourn has stayed above target (5 ms) for an interval (100 ms);
    /// then drops come, faster and faster (interval / sqrt(count)).
    struct StandingQueue {
        var firstDrop: Double?
        var dropTimes: [Double] = []
        var delivered: [[UInt8]] = []
    }

    static func standingQueue(ecn: UInt8, ecnEnabled: Bool = true, until end: Double = 400) -> (
        StandingQueue, FlowQueueCoDel
    ) {
        let q = FlowQueueCoDel(Self.config(ecn: ecnEnabled))
        var result = StandingQueue()
        for i in 0..<20 { Self.enqueue(q, Self.packet(sourcePort: 1, ecn: ecn, tag: UInt64(i)), at: .zero) }
        var t = 1.0
        var seen = q.statistics.codelDropped + q.statistics.ecnMarked
        while t <= end {
            Self.enqueue(q, Self.packet(sourcePort: 1, ecn: ecn, tag: UInt64(t)), at: Self.ms(t))
            q.dequeue(now: Self.ms(t)) { p in result.delivered.append(Array(p)) }
            let acted = q.statistics.codelDropped + q.statistics.ecnMarked
            if acted > seen {
                if result.firstDrop == nil { result.firstDrop = t }
                result.dropTimes.append(t)
                seen = acted
            }
            t += 1
        }
        return (result, q)
    }

    @Test func dropsStartOnlyAfterTargetIsExceededForAnInterval() {
        let (r, q) = Self.standingQueue(ecn: ECNMark.notECT)
        // The head's sojourn passes 5 ms at t = 5 ms (the packets queued
        // at 0); the first drop is due an interval later.
        let first = r.firstDrop ?? 0
        #expect(first >= 105 && first <= 107, "first drop at \(first) ms")
        #expect(q.statistics.codelDropped >= 3)
        #expect(q.statistics.ecnMarked == 0)
        // Drops come closer together as count grows.
        if r.dropTimes.count >= 3 {
            let gaps = zip(r.dropTimes.dropFirst(), r.dropTimes).map { $0 - $1 }
            #expect(gaps[0] >= 60 && gaps[0] <= 101, "first gap \(gaps[0]) ms")
            #expect(gaps[1] < gaps[0])
        }
        // Each drop shortened the queue by one packet.
        #expect(q.count == 20 - q.statistics.codelDropped)
    }

    @Test func noDropWhileSojournStaysBelowTarget() {
        let q = FlowQueueCoDel(Self.config())
        // Four packets queued, served one per ms: 4 ms sojourn, under 5 ms.
        for i in 0..<4 { Self.enqueue(q, Self.packet(sourcePort: 1), at: Self.ms(Double(i) - 4)) }
        var t = 0.0
        while t < 1000 {
            Self.enqueue(q, Self.packet(sourcePort: 1), at: Self.ms(t))
            q.dequeue(now: Self.ms(t)) { _ in }
            t += 1
        }
        #expect(q.statistics.codelDropped == 0)
        #expect(q.statistics.dequeued == 1000)
    }

    @Test(arguments: [ECNMark.ect0, ECNMark.ect1])
    func ectPacketsAreMarkedNotDropped(ecn: UInt8) {
        let (r, q) = Self.standingQueue(ecn: ecn)
        #expect(q.statistics.codelDropped == 0)
        #expect(q.statistics.ecnMarked >= 3)
        let first = r.firstDrop ?? 0
        #expect(first >= 105 && first <= 107, "first mark at \(first) ms")
        let marked = r.delivered.filter { $0[9] & 0x03 == ECNMark.ce }
        #expect(marked.count == q.statistics.ecnMarked)
        for p in r.delivered {
            // The IPv4 header checksum is right after the change (RFC 1624).
            let header = Array(p[8..<28])
            #expect(UInt16(header[10]) << 8 | UInt16(header[11]) == Self.headerChecksum(header))
        }
        // The others keep their codepoint.
        #expect(r.delivered.filter { $0[9] & 0x03 == ecn }.count == r.delivered.count - marked.count)
    }

    @Test func ectPacketsAreDroppedWhenECNIsOff() {
        let (_, q) = Self.standingQueue(ecn: ECNMark.ect0, ecnEnabled: false)
        #expect(q.statistics.ecnMarked == 0)
        #expect(q.statistics.codelDropped >= 3)
    }

    @Test func fullPoolDropsTheLongestFlowsOldestPacket() {
        let q = FlowQueueCoDel(Self.config(slots: 8))
        for i in 0..<7 { Self.enqueue(q, Self.packet(sourcePort: 1, tag: UInt64(i)), at: .zero) }
        Self.enqueue(q, Self.packet(sourcePort: 2, tag: 100), at: .zero)
        Self.enqueue(q, Self.packet(sourcePort: 2, tag: 101), at: .zero)
        #expect(q.statistics.overflowDropped == 1)
        #expect(q.count == 8)
        var tags: [UInt64] = []
        while q.dequeue(now: .zero, { tags.append(Self.tag($0)) }) {}
        #expect(!tags.contains(0))
        #expect(Set(tags) == Set([1, 2, 3, 4, 5, 6, 100, 101]))
        #expect(q.isEmpty && q.byteCount == 0)
    }

    @Test func roundRobinSharesBytesBetweenBulkFlows() {
        let q = FlowQueueCoDel(Self.config())
        for _ in 0..<100 {
            Self.enqueue(q, Self.packet(sourcePort: 1, size: 1400), at: .zero)
            Self.enqueue(q, Self.packet(sourcePort: 2, size: 700), at: .zero)
            Self.enqueue(q, Self.packet(sourcePort: 2, size: 700), at: .zero)
        }
        #expect(q.flowIndex(of: Self.packet(sourcePort: 1).withUnsafeBytes { $0 }) != -1)
        var bytes: [UInt16: Int] = [:]
        for _ in 0..<90 {
            q.dequeue(now: .zero) { bytes[Self.sourcePort($0), default: 0] += $0.count - 8 }
        }
        let a = bytes[1] ?? 0
        let b = bytes[2] ?? 0
        // DRR's bound: a quantum plus one packet (RFC 8290 section 4.2).
        #expect(abs(a - b) <= 1514 + 1400, "\(a) against \(b) bytes")
        #expect(a > 0 && b > 0)
    }

    @Test func slotsAreReusedWithoutGrowing() {
        let q = FlowQueueCoDel(Self.config(slots: 4))
        var delivered = 0
        for i in 0..<10000 {
            Self.enqueue(q, Self.packet(sourcePort: UInt16(i % 7), size: 100 + i % 1300, tag: UInt64(i)), at: .zero)
            if i % 2 == 1 {
                while q.dequeue(now: .zero, { _ in delivered += 1 }) {}
            }
        }
        #expect(delivered + q.statistics.overflowDropped == 10000)
        #expect(q.isEmpty && q.byteCount == 0)
    }

    @Test func oversizedPacketsAreRefused() {
        let q = FlowQueueCoDel(Self.config())
        let big = [UInt8](repeating: 0x45, count: 2000)
        #expect(big.withUnsafeBytes { q.enqueue($0, now: .zero) } == false)
        #expect(q.statistics.oversized == 1 && q.isEmpty)
    }

    @Test func removeAllEmptiesEveryFlow() {
        let q = FlowQueueCoDel(Self.config(slots: 16))
        for i in 0..<16 { Self.enqueue(q, Self.packet(sourcePort: UInt16(i)), at: .zero) }
        q.removeAll()
        #expect(q.isEmpty && q.byteCount == 0)
        #expect(!q.dequeue(now: .zero) { _ in })
        for i in 0..<16 { Self.enqueue(q, Self.packet(sourcePort: UInt16(i)), at: .zero) }
        #expect(q.count == 16 && q.statistics.overflowDropped == 0)
    }
}

@Suite struct ECNMarkTests {
    @Test func ipv4ChecksumIsUpdated() {
        for ecn in [ECNMark.ect0, ECNMark.ect1] {
            var p = FlowQueueCoDelTests.packet(sourcePort: 9, ecn: ecn | 0xb8)
            let ok = p.withUnsafeMutableBytes {
                ECNMark.markCongestionExperienced(UnsafeMutableRawBufferPointer(rebasing: $0[8...]))
            }
            #expect(ok)
            #expect(p[9] == 0xbb)
            let header = Array(p[8..<28])
            #expect(UInt16(header[10]) << 8 | UInt16(header[11]) == FlowQueueCoDelTests.headerChecksum(header))
        }
    }

    @Test func notECTIsLeftAlone() {
        var p = FlowQueueCoDelTests.packet(sourcePort: 9)
        let before = p
        let ok = p.withUnsafeMutableBytes {
            ECNMark.markCongestionExperienced(UnsafeMutableRawBufferPointer(rebasing: $0[8...]))
        }
        #expect(!ok)
        #expect(p == before)
    }

    @Test func ceStaysCE() {
        var p = FlowQueueCoDelTests.packet(sourcePort: 9, ecn: ECNMark.ce)
        let before = p
        let ok = p.withUnsafeMutableBytes {
            ECNMark.markCongestionExperienced(UnsafeMutableRawBufferPointer(rebasing: $0[8...]))
        }
        #expect(ok)
        #expect(p == before)
    }

    @Test func ipv6TrafficClassIsMarked() {
        // Version 6, traffic class 0x0a (DSCP 2, ECT(0)), flow label 0x12345.
        var ip = [UInt8](repeating: 0, count: 48)
        ip[0] = 0x60
        ip[1] = 0xa1
        ip[2] = 0x23
        ip[3] = 0x45
        ip[6] = 17
        #expect(ip.withUnsafeBytes { ECNMark.codepoint($0) } == ECNMark.ect0)
        let ok = ip.withUnsafeMutableBytes { ECNMark.markCongestionExperienced($0) }
        #expect(ok)
        #expect(ip[0] == 0x60 && ip[1] == 0xb1 && ip[2] == 0x23)
        #expect(ip.withUnsafeBytes { ECNMark.codepoint($0) } == ECNMark.ce)
    }

    @Test func truncatedOrNonIPIsNotMarked() {
        var short: [UInt8] = [0x45, 0x02, 0, 0]
        #expect(!short.withUnsafeMutableBytes { ECNMark.markCongestionExperienced($0) })
        var other = [UInt8](repeating: 0x02, count: 40)
        #expect(!other.withUnsafeMutableBytes { ECNMark.markCongestionExperienced($0) })
    }
}

@Suite struct FlowHashTests {
    @Test func theFiveTupleDecides() {
        let a = FlowQueueCoDelTests.packet(sourcePort: 1000, tag: 1)
        let b = FlowQueueCoDelTests.packet(sourcePort: 1000, size: 600, tag: 2)
        let c = FlowQueueCoDelTests.packet(sourcePort: 1001)
        func h(_ p: [UInt8], seed: UInt64 = 1) -> UInt64 {
            p.withUnsafeBytes { FlowHash.hash(UnsafeRawBufferPointer(rebasing: $0[8...]), seed: seed) }
        }
        #expect(h(a) == h(b))
        #expect(h(a) != h(c))
        #expect(h(a, seed: 1) != h(a, seed: 2))
        // Ports spread over the queues.
        let q = FlowQueueCoDel(FlowQueueCoDelTests.config())
        let used = Set(
            (0..<64).map { port in
                FlowQueueCoDelTests.packet(sourcePort: UInt16(port)).withUnsafeBytes { q.flowIndex(of: $0) }
            })
        #expect(used.count > 32)
    }
}

@Suite struct SendBudgetTests {
    @Test func followsTheDeliveryRate() {
        var b = SendBudget()
        #expect(b.bytes == SendBudget.initial)
        // 20 Mbit/s = 2.5 MB/s: 2 ms are 5000 bytes.
        b.update(deliveryRate: 2_500_000, pacingRate: 12_500_000)
        #expect(b.bytes == 5000)
        // Not known yet: the pacing rate.
        b.update(deliveryRate: 0, pacingRate: 6_000_000)
        #expect(b.bytes == 12000)
        // Neither: unchanged.
        b.update(deliveryRate: 0, pacingRate: 0)
        #expect(b.bytes == 12000)
    }

    @Test func remembersTheRateItFollows() {
        var b = SendBudget()
        #expect(b.rate == 0)
        b.update(deliveryRate: 0, pacingRate: 6_000_000)
        #expect(b.rate == 6_000_000)
        b.update(deliveryRate: 2_500_000, pacingRate: 6_000_000)
        #expect(b.rate == 2_500_000)
        b.update(deliveryRate: 0, pacingRate: 0)
        #expect(b.rate == 2_500_000)
    }

    @Test func staysWithinItsBounds() {
        var b = SendBudget()
        b.update(deliveryRate: 100_000, pacingRate: 0)
        #expect(b.bytes == SendBudget.minimum)
        b.update(deliveryRate: 625_000_000, pacingRate: 0)
        #expect(b.bytes == SendBudget.maximum)
        b.update(deliveryRate: .max, pacingRate: 0)
        #expect(b.bytes == SendBudget.maximum)
    }

    @Test func roomWaitsForAQuarter() {
        var b = SendBudget()
        b.update(deliveryRate: 8_000_000, pacingRate: 0)
        #expect(b.bytes == 16000)
        #expect(b.room(unsent: 0) == 16000)
        #expect(b.room(unsent: 12000) == 4000)
        #expect(b.room(unsent: 12001) == 0)
        #expect(b.room(unsent: 40000) == 0)
    }
}

/// The limit from the delivery rate: arithmetic and what a lower limit drops.
@Suite struct FlowQueueLimitTests {
    @Test func isFourTargetsOfTheRateInBytes() {
        // 100 Mbit/s = 12.5 MB/s; 20 ms of it = 250,000 bytes.
        #expect(
            FlowQueueCoDel.byteLimit(rate: 12_500_000, queueNanoseconds: 20_000_000, slotBytes: 1408, slots: 512)
                == 250_000)
        // 20 Mbit/s: 50,000 bytes, below the floor of 64 slots.
        #expect(
            FlowQueueCoDel.byteLimit(rate: 2_500_000, queueNanoseconds: 20_000_000, slotBytes: 1408, slots: 512)
                == FlowQueueCoDel.minimumLimit * 1408)
        // 2.4 Gbit/s on a veth: the whole pool.
        #expect(
            FlowQueueCoDel.byteLimit(rate: 300_000_000, queueNanoseconds: 20_000_000, slotBytes: 1408, slots: 512)
                == 512 * 1408)
        // Unknown or absurd: the pool.
        #expect(
            FlowQueueCoDel.byteLimit(rate: 0, queueNanoseconds: 20_000_000, slotBytes: 1408, slots: 512) == 512 * 1408)
        #expect(FlowQueueCoDel.byteLimit(rate: .max, queueNanoseconds: .max, slotBytes: 1408, slots: 512) == 512 * 1408)
    }

    @Test func aLowerLimitDropsFromTheLongestFlow() {
        let q = FlowQueueCoDel(FlowQueueCoDelTests.config(slots: 512))
        #expect(q.limit == 512 * 1600)
        // 12.5 MB/s x 4 x 5 ms: 250,000 bytes, 177 packets of 1408 bytes.
        q.setLimit(forRate: 12_500_000)
        #expect(q.limit == 250_000)
        for i in 0..<300 {
            FlowQueueCoDelTests.enqueue(q, FlowQueueCoDelTests.packet(sourcePort: 5001, tag: UInt64(i)), at: .zero)
        }
        #expect(q.count == 177)
        #expect(q.statistics.overflowDropped == 123)
        // Small packets (acknowledgements) count by their bytes: a 92-byte
        // one still fits where a bulk packet did not.
        FlowQueueCoDelTests.enqueue(q, FlowQueueCoDelTests.packet(sourcePort: 7, size: 84), at: .zero)
        #expect(q.count == 178)
        #expect(q.statistics.overflowDropped == 123)
        // The oldest bulk packets went; the ping is still there.
        var ports: [UInt16] = []
        var firstTag: UInt64?
        while q.dequeue(
            now: .zero,
            { p in
                ports.append(FlowQueueCoDelTests.sourcePort(p))
                if firstTag == nil, FlowQueueCoDelTests.sourcePort(p) == 5001 { firstTag = FlowQueueCoDelTests.tag(p) }
            })
        {}
        #expect(ports.filter { $0 == 7 }.count == 1)
        #expect(firstTag == 123)
    }
}
