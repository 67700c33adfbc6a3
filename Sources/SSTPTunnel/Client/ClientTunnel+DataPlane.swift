import ByteCoding
import CSSTPPlatform
import Glibc
import PPP
import SSTPCall
import SSTPCrypto
import SSTPDataPlane
import SSTPHTTP
import SSTPPlatform
import SSTPSession
import SSTPStream
import SSTPTLS
import SSTPWire

/// The data plane: SSTP data packets to the TUN and the TUN to TLS records.
extension ClientTunnel {
    // MARK: - SSTP and the data plane

    func sstpReceived(_ stream: TLSStream, _ bytes: UnsafeRawBufferPointer) {
        let tun = self.tun
        let actions =
            call?.receive(bytes, now: loop.now) { data in
                switch data {
                case .ipv4(let packet), .ipv6(let packet):
                    guard let tun else { return }
                    bytesIn &+= UInt64(packet.count)
                    writeToTUN(tun, packet)
                case .externalPPP(let frame):
                    if frame.count > 4, frame[2] & 0x80 == 0 { bytesIn &+= UInt64(frame.count - 4) }
                    backend.deliver(frame)
                }
            } ?? []
        apply(actions)
        if let tun { flushTUNWrites(tun, stream) }
    }

    /// Writes a packet to the TUN; a SYN is copied and clamped first. With
    /// TUN offload, runs of TCP segments are joined into superpackets
    /// (TCPCoalescer) that go out when a packet cannot join them or at the
    /// end of the received bytes (flushTUNWrites).
    func writeToTUN(_ tun: any PacketDevice, _ packet: UnsafeRawBufferPointer) {
        let stream = currentStream
        if packet.count <= synScratch.count, Self.isTCPSYN(packet) {
            if let stream { flushTUNWrites(tun, stream) }
            let copy = UnsafeMutableRawBufferPointer(rebasing: synScratch[0..<packet.count])
            copy.copyMemory(from: packet)
            MSSClamp.clamp(copy, mtu: mtu)
            tun.write(UnsafeRawBufferPointer(copy))
            return
        }
        guard tun.virtioHeader, let stream else {
            tun.write(packet)
            return
        }
        if stream.inbound.add(packet) { return }
        flushTUNWrites(tun, stream)
        if !stream.inbound.add(packet) { tun.write(packet) }
    }

    func flushTUNWrites(_ tun: any PacketDevice, _ stream: TLSStream) {
        if let bytes = stream.inbound.finish() { tun.write(withVirtioHeader: bytes) }
    }

    @inline(__always)
    static func isTCPSYN(_ p: UnsafeRawBufferPointer) -> Bool {
        guard let first = p.first else { return false }
        if first >> 4 == 4 {
            let ihl = Int(first & 0x0f) * 4
            return p.count >= ihl + 14 && p[9] == 6 && p[ihl + 13] & 0x02 != 0
        }
        if first >> 4 == 6 { return p.count >= 54 && p[6] == 6 && p[53] & 0x02 != 0 }
        return false
    }

    /// Drains the TUN into the output queue (up to
    /// UplinkQueue.tunBytesPerWakeup per wakeup), then writes it as TLS records.
    /// With TUN offload a read may bring a TCP superpacket, which the queue
    /// splits into MTU-sized packets (OutboundBatch.commit(length:virtioHeader:...)).
    func tunReadable() {
        guard case .running(let stream, _) = stage, let tun else {
            // Between calls (issue 14) the TUN stays: what it brings is dropped.
            dropTUNPackets()
            return
        }
        // What each IP version may go out as, asked of the call once per
        // wakeup, not per packet: asking copied the whole SSTPClientCall
        // (with a retain and release of each of its references) every
        // time, 5 % of the client's CPU per packet (bench/README.md).
        let v4 = call?.outboundProtocol(ipVersion: 4)
        let v6 = call?.outboundProtocol(ipVersion: 6)
        if options.queueManagement {
            let queue = uplink ?? UplinkQueue(slots: UplinkQueue.clientSlots, mtu: mtu, split: SplitBuffer())
            uplink = queue
            do {
                bytesOut &+= try queue.readTUN(tun, stream: stream, mtu: mtu, now: { loop.now }) {
                    $0 == 4 ? v4 : $0 == 6 ? v6 : nil
                }
            } catch {
                finish(.local("reading \(tun.name) failed: \(error)"))
                return
            }
            stream.flush()
            return
        }
        let room = tun.virtioHeader ? OutboundBatch.superpacketRoom : mtu + 64
        var taken = 0
        while taken < UplinkQueue.tunBytesPerWakeup {
            if stream.out.spaceForNextPacket < room {
                stream.flush()
                if stream.out.spaceForNextPacket < room {
                    pauseTUN(true)
                    return
                }
            }
            let space = stream.out.nextPacketSpace
            let n: Int?
            do {
                n = try tun.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, 65535)]),
                    virtioHeader: stream.out.virtioHeaderSpace)
            } catch {
                finish(.local("reading \(tun.name) failed: \(error)"))
                return
            }
            guard let n else { break }
            guard n > 0 else { continue }
            taken += n
            // The call says whether this IP version may go out now.
            let version = space[0] >> 4
            guard let protocolNumber = version == 4 ? v4 : version == 6 ? v6 : nil else { continue }
            let header = UnsafeRawBufferPointer(stream.out.virtioHeaderSpace)
            if stream.out.commit(length: n, virtioHeader: header, protocolNumber: protocolNumber, mtu: mtu) > 0 {
                bytesOut &+= UInt64(n)
            }
            if stream.out.count >= TLSConnection.maxRecordPayload { stream.flush() }
        }
        stream.flush()
    }

    func pauseTUN(_ pause: Bool) {
        guard let tun, pause != tunPaused else { return }
        loop.modify(fd: tun.fd, events: pause ? [] : .readable)
    }
}
