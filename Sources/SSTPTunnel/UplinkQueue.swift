import SSTPDataPlane
import SSTPPlatform
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
final class UplinkQueue {
    let aqm: FlowQueueCoDel
    /// Where a TUN read is split (a superpacket into its segments) on its
    /// way into the AQM. One per event loop is enough (SplitBuffer.shared).
    private let split: SplitBuffer
    private var draining = false

    /// TUN reads per wakeup while packets go to the AQM, so that a sender
    /// faster than the socket cannot keep the loop from the socket.
    static let readBudget = 64
    /// TCP_NOTSENT_LOWAT with the AQM: the unsent bytes in the socket (a
    /// FIFO in front of every packet) stay at about two records
    /// (bench/README.md, "Latency under upload").
    static let notSentLowWater: Int32 = 32768

    init(slots: Int, mtu: Int, split: SplitBuffer) {
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
    func mustQueue(_ stream: TLSStream, room: Int) -> Bool {
        !aqm.isEmpty || stream.writeBlocked || stream.out.spaceForNextPacket < room
    }

    /// Client: reads the TUN until it is empty or the budget is spent; each
    /// packet goes into the batch or, when it must wait, into the AQM.
    /// Returns the IP bytes taken.
    func readTUN(
        _ tun: TUNDevice, stream: TLSStream, mtu: Int, now: () -> Duration, protocolNumber: (UInt8) -> UInt16?
    ) throws(SystemError) -> UInt64 {
        let room = tun.virtioHeader ? OutboundBatch.superpacketRoom : mtu + 64
        var taken: UInt64 = 0
        var queuedReads = 0
        while queuedReads < Self.readBudget {
            if !mustQueue(stream, room: room) {
                let space = stream.out.nextPacketSpace
                guard
                    let n = try tun.read(
                        into: UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, 65535)]),
                        virtioHeader: stream.out.virtioHeaderSpace)
                else { break }
                guard n > 0, let number = protocolNumber(space[0] >> 4) else { continue }
                let header = UnsafeRawBufferPointer(stream.out.virtioHeaderSpace)
                if stream.out.commit(length: n, virtioHeader: header, protocolNumber: number, mtu: mtu) > 0 {
                    taken &+= UInt64(n)
                }
                if stream.out.count >= TLSConnection.maxRecordPayload { stream.flush() }
                continue
            }
            queuedReads += 1
            split.batch.reset()
            let space = split.batch.nextPacketSpace
            guard
                let n = try tun.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, 65535)]),
                    virtioHeader: split.batch.virtioHeaderSpace)
            else { break }
            guard n > 0, let number = protocolNumber(space[0] >> 4) else { continue }
            let header = UnsafeRawBufferPointer(split.batch.virtioHeaderSpace)
            if split.batch.commit(length: n, virtioHeader: header, protocolNumber: number, mtu: mtu) > 0 {
                taken &+= UInt64(n)
                enqueueSplit(now: now())
            }
        }
        return taken
    }

    /// Server: queues one packet read from the TUN (its checksum complete,
    /// a superpacket split here). False if it was dropped on the way in.
    func enqueue(packet: UnsafeRawBufferPointer, header: VirtioNetHeader, protocolNumber: UInt16, now: Duration)
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
    func drain(_ stream: TLSStream, now: Duration) {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        let slot = aqm.configuration.slotSize
        while !aqm.isEmpty, !stream.writeBlocked, !stream.closed {
            while stream.out.count + slot <= TLSConnection.maxRecordPayload, stream.out.spaceForNextPacket >= slot,
                aqm.dequeue(now: now, { _ = stream.out.append($0) })
            {}
            stream.flush()
        }
    }
}

/// The buffer a TUN read is split in before its packets go into an AQM.
final class SplitBuffer {
    var batch = OutboundBatch(capacity: OutboundBatch.superpacketRoom + 64)
}
