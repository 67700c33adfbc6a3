import Glibc
package import SSTPDataPlane
package import SSTPPlatform
import SSTPTLS

/// Where IP packets bound for the tunnel wait while the TLS socket cannot
/// take them: a FlowQueueCoDel (per-flow queues, CoDel drops or ECN marks)
/// instead of the TUN device's own queue, which has no AQM (pfifo_fast)
/// and, with TUN offload, holds hundreds of 64 KB superpackets: seconds of
/// upload at 20 Mbit/s, in front of every ping (issue 17).
///
/// While the socket is writable and nothing waits here, packets still go
/// straight into the stream's batch (no copy); once the socket blocks,
/// every packet read from the TUN goes through the AQM, and
/// `drain(_:now:)` moves them into the batch a record at a time as the
/// socket empties. The TUN is read all the time, so its queue stays empty.
package final class UplinkQueue {
    package let aqm: FlowQueueCoDel
    /// Where a TUN read is split (a superpacket into its segments) on its
    /// way into the AQM. One per event loop is enough (SplitBuffer.shared).
    private let split: SplitBuffer
    private var draining = false

    /// TUN reads per wakeup while packets go to the AQM, so that a sender
    /// faster than the socket cannot keep the loop from the socket.
    package static let readBudget = 64
    /// IP bytes read from a TUN per wakeup (two superpackets, or about 90
    /// packets without offload), so that an end whose CPU is the
    /// bottleneck also reads its socket (TLSStream.readBudget the other
    /// way): a sender that kept the TUN full otherwise kept the loop there
    /// while the socket's bytes, a ping's reply among them, waited
    /// (bench/README.md, "Latency under load on the veth"). Both of the
    /// client's TUN reads (with and without the AQM) and the server's stop here.
    package static let tunBytesPerWakeup = 131072
    /// The client's pool: 512 slots of about 1.4 KB (0.7 MB; 1024 before,
    /// all touched under a veth-speed upload). Its limit follows the
    /// delivery rate (FlowQueueCoDel.setLimit), so a slower link touches less.
    package static let clientSlots = 512
    package init(slots: Int, mtu: Int, split: SplitBuffer) {
        var c = FlowQueueCoDel.Configuration()
        c.ipOffset = OutboundBatch.headerLength
        c.slots = slots
        c.slotSize = max(mtu, 1280) + OutboundBatch.headerLength
        c.seed = UInt64(truncatingIfNeeded: MonotonicClock.now().components.attoseconds)
        aqm = FlowQueueCoDel(c)
        self.split = split
    }

    /// Whether the next packet must wait in the AQM (the socket is blocked
    /// or others wait already) rather than go straight into `stream.out`.
    package func mustQueue(_ stream: TLSStream, room: Int) -> Bool {
        !aqm.isEmpty || stream.writeBlocked || stream.out.spaceForNextPacket < room
    }

    /// Client: reads the TUN until it is empty or a budget is spent
    /// (`readBudget` reads into the AQM, `tunBytesPerWakeup` straight into
    /// the batch); each packet goes into the batch or, when it must wait,
    /// into the AQM. Returns the IP bytes taken.
    package func readTUN(
        _ tun: any PacketDevice, stream: TLSStream, mtu: Int, now: () -> Duration, protocolNumber: (UInt8) -> UInt16?
    ) throws(SystemError) -> UInt64 {
        let room = tun.virtioHeader ? OutboundBatch.superpacketRoom : mtu + 64
        var taken: UInt64 = 0
        var queuedReads = 0
        while queuedReads < Self.readBudget {
            if !mustQueue(stream, room: room) {
                guard let n = try Self.read(tun, into: &stream.out, mtu: mtu, protocolNumber: protocolNumber) else {
                    break
                }
                taken &+= UInt64(n)
                if stream.out.count >= TLSConnection.maxRecordPayload { stream.flush() }
                if taken >= UInt64(Self.tunBytesPerWakeup) { break }
                continue
            }
            queuedReads += 1
            split.batch.reset()
            guard let n = try Self.read(tun, into: &split.batch, mtu: mtu, protocolNumber: protocolNumber) else {
                break
            }
            if n > 0 {
                taken &+= UInt64(n)
                enqueueSplit(now: now())
            }
        }
        return taken
    }

    /// One TUN read into the batch's next packet space, framed with the PPP
    /// protocol of its IP version: the bytes framed, 0 for a packet dropped
    /// (empty, or of a version no open NCP carries), nil when the TUN has
    /// nothing more.
    private static func read(
        _ tun: any PacketDevice, into batch: inout OutboundBatch, mtu: Int, protocolNumber: (UInt8) -> UInt16?
    ) throws(SystemError) -> Int? {
        let space = batch.nextPacketSpace
        guard
            let n = try tun.read(
                into: UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, 65535)]),
                virtioHeader: batch.virtioHeaderSpace)
        else { return nil }
        guard n > 0, let number = protocolNumber(space[0] >> 4) else { return 0 }
        let header = UnsafeRawBufferPointer(batch.virtioHeaderSpace)
        return batch.commit(length: n, virtioHeader: header, protocolNumber: number, mtu: mtu) > 0 ? n : 0
    }

    /// Server: queues one packet read from the TUN (its checksum complete,
    /// a superpacket split here). False if it was dropped on the way in.
    package func enqueue(packet: UnsafeRawBufferPointer, header: VirtioNetHeader, protocolNumber: UInt16, now: Duration)
        -> Bool
    {
        split.batch.reset()
        guard split.batch.append(packet: packet, header: header, protocolNumber: protocolNumber) > 0 else {
            return false
        }
        enqueueSplit(now: now)
        return true
    }

    /// Moves the framed packets of the split buffer into the AQM.
    private func enqueueSplit(now: Duration) {
        let bytes = split.batch.bytes
        var offset = 0
        while offset + OutboundBatch.headerLength <= bytes.count {
            // MS-SSTP 2.2.1: the 12-bit length of the whole packet.
            let length = Int(bytes[offset + 2] & 0x0f) << 8 | Int(bytes[offset + 3])
            guard length >= OutboundBatch.headerLength, offset + length <= bytes.count else { break }
            aqm.enqueue(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), now: now)
            offset += length
        }
        split.batch.reset()
    }

    /// Fills the stream's batch from the AQM a record at a time and writes
    /// it, until the socket blocks or the AQM is empty. Called when the
    /// stream drained (re-entry from the flush inside is ignored).
    package func drain(_ stream: TLSStream, now: Duration) {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        let slot = aqm.configuration.slotSize
        if let rate = stream.pacer?.deliveryRate, rate > 0 { aqm.setLimit(forRate: rate) }
        while !aqm.isEmpty, !stream.writeBlocked, !stream.closed {
            let record = min(TLSConnection.maxRecordPayload, max(stream.pacer?.budget ?? .max, slot))
            while stream.out.count + slot <= record, stream.out.spaceForNextPacket >= slot,
                aqm.dequeue(now: now, { _ = stream.out.append($0) })
            {}
            stream.flush()
        }
    }
}

/// The buffer a TUN read is split in before its packets go into an AQM.
package final class SplitBuffer {
    package var batch = OutboundBatch(capacity: OutboundBatch.superpacketRoom + 64)

    package init() {}
}

/// Keeps the bytes waiting unsent in the TLS socket to about `window` of
/// its delivery rate (tcpi_delivery_rate), between 4 and 128 KiB: that queue
/// is a FIFO no AQM sees, in front of every packet of every flow. Linux
/// applies TCP_NOTSENT_LOWAT to poll(2) only (a write fills the whole
/// send buffer), so the writer asks before each record; the socket's
/// TCP_NOTSENT_LOWAT is kept at the budget, so that EPOLLOUT (below half
/// of it) comes only once there is room again.
package struct UnsentPacer {
    /// The stream sets its TCP_NOTSENT_LOWAT to this as it starts
    /// (TLSStream.notSentLowWater).
    package static let initialBudget = SendBudget.initial
    private var sendBudget = SendBudget()
    private var appliedLowWater = Int32(SendBudget.initial)
    /// What a record from the AQM may hold (UplinkQueue.drain).
    package var budget: Int { sendBudget.bytes }
    /// The socket's delivery rate, bytes per second (0: not known yet).
    package var deliveryRate: UInt64 { sendBudget.rate }

    package init() {}

    /// How many more bytes the socket may take now (0: wait for EPOLLOUT;
    /// nil: it cannot tell).
    package mutating func room(_ fd: Int32) -> Int? {
        // struct tcp_info (Linux, since 4.9): tcpi_pacing_rate (u64, bytes
        // per second) at offset 104, tcpi_notsent_bytes (u32) at 144,
        // tcpi_delivery_rate (u64, bytes per second) at 160.
        guard let info = TCPInfo(fd, minimumLength: 168) else { return nil }
        let (pacing, unsent, delivery) = (info.u64(at: 104), Int(info.u32(at: 144)), info.u64(at: 160))
        sendBudget.update(deliveryRate: delivery, pacingRate: pacing)
        let room = sendBudget.room(unsent: unsent)
        if room == 0 { apply(fd, Int32(sendBudget.bytes)) }
        return room
    }

    private mutating func apply(_ fd: Int32, _ value: Int32) {
        guard value != appliedLowWater else { return }
        var v = value
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &v, socklen_t(MemoryLayout<Int32>.size))
        appliedLowWater = value
    }
}

/// Keeps the peer's bytes in flight towards this socket to about its
/// arrival rate times (min RTT + 5 ms) with TCP_WINDOW_CLAMP, up to a
/// 256 KiB window (the arithmetic and that cut-off are SSTPDataPlane's
/// ReceiveWindow): a sender whose cwnd
/// outgrew a path that became slower would otherwise fill the path's
/// queue rather than its own AQM.
package struct ReceiveWindowClamp {
    private var window = ReceiveWindow()

    package init() {}

    /// Samples TCP_INFO once per ReceiveWindow.sampleNanoseconds (the
    /// stream calls this before each read) and applies the window, also when
    /// unchanged: the kernel's receive-buffer tuning raises the clamp with
    /// the buffer.
    package mutating func sample(_ fd: Int32, now: Duration) {
        let t = FlowQueueCoDel.nanoseconds(now)
        guard window.due(now: t) else { return }
        // struct tcp_info (Linux, since 4.9): tcpi_bytes_acked (u64) at
        // offset 120, tcpi_bytes_received (u64) at 128, tcpi_min_rtt (u32,
        // microseconds) at 148.
        guard let info = TCPInfo(fd, minimumLength: 152) else { return }
        let (sent, received, minRTT) = (info.u64(at: 120), info.u64(at: 128), info.u32(at: 148))
        _ = window.update(now: t, received: received, sent: sent, minRTTMicroseconds: minRTT)
        var v = Int32(clamping: window.applied)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_WINDOW_CLAMP, &v, socklen_t(MemoryLayout<Int32>.size))
    }
}
