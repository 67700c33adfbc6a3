/// Builds a batch of SSTP data packets (MS-SSTP 2.2.3), each a PPP frame
/// (`ff 03` + protocol, RFC 1662 §3.1) carrying one IP packet, back to back
/// in one preallocated buffer, so that one TLS write sends them all as one
/// record. IP packets are read straight into place: no copy, no allocation.
///
/// Written bytes are consumed from the front by moving a cursor, not the
/// bytes (a 16 KB record at a time out of up to 128 KB would otherwise
/// move the rest each time); `compact()` moves what is left to the front
/// when the writer is blocked.
public struct OutboundBatch: ~Copyable {
    /// SSTP header (4) + PPP address, control and protocol (4).
    public static let headerLength = 8
    /// One TLS record carries at most 16 KB of plaintext (RFC 8446 §5.1).
    public static let defaultCapacity = 16384

    public let capacity: Int
    /// `capacity` bytes for packets, then the virtio header of a TUN read.
    private let storage: UnsafeMutableRawBufferPointer
    /// Consumed bytes end here.
    private var head = 0
    /// Written bytes end here.
    private var end = 0
    public private(set) var packetCount = 0

    public init(capacity: Int = OutboundBatch.defaultCapacity) {
        self.capacity = capacity
        storage = UnsafeMutableRawBufferPointer.allocate(
            byteCount: capacity + VirtioNetHeader.length + 6, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    /// Bytes waiting to be written.
    public var count: Int { end - head }

    public var isEmpty: Bool { end == head }

    /// Free bytes for the next IP packet after its 8-byte header.
    public var spaceForNextPacket: Int { max(0, capacity - end - Self.headerLength) }

    /// Where the next IP packet goes (its headers are written by `commit`).
    public var nextPacketSpace: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[(end + Self.headerLength)..<capacity])
    }

    /// Where a TUN read with IFF_VNET_HDR puts the virtio header of the
    /// packet it reads into `nextPacketSpace` (TUNDevice.read(into:virtioHeader:)).
    public var virtioHeaderSpace: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[capacity..<(capacity + VirtioNetHeader.length)])
    }

    /// Adds the headers for an IP packet of `length` bytes already written
    /// at `nextPacketSpace`, with PPP protocol `protocolNumber` (0x0021 for
    /// IPv4, 0x0057 for IPv6).
    public mutating func commit(length: Int, protocolNumber: UInt16) {
        Self.writeHeader(storage.baseAddress.unsafelyUnwrapped + end, length: length, protocolNumber: protocolNumber)
        end += length + Self.headerLength
        packetCount += 1
    }

    @inline(__always)
    static func writeHeader(_ base: UnsafeMutableRawPointer, length: Int, protocolNumber: UInt16) {
        let total = length + headerLength
        // §2.2.1: version 0x10, C = 0, 12-bit length of the whole packet.
        base.storeBytes(of: 0x10, as: UInt8.self)
        base.storeBytes(of: 0x00, toByteOffset: 1, as: UInt8.self)
        base.storeBytes(of: UInt8(total >> 8), toByteOffset: 2, as: UInt8.self)
        base.storeBytes(of: UInt8(total & 0xff), toByteOffset: 3, as: UInt8.self)
        base.storeBytes(of: 0xff, toByteOffset: 4, as: UInt8.self)
        base.storeBytes(of: 0x03, toByteOffset: 5, as: UInt8.self)
        base.storeBytes(of: UInt8(protocolNumber >> 8), toByteOffset: 6, as: UInt8.self)
        base.storeBytes(of: UInt8(protocolNumber & 0xff), toByteOffset: 7, as: UInt8.self)
    }

    /// Appends already-framed bytes (a control packet, a PPP control frame
    /// in its SSTP packet). Returns false if they do not fit.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count > capacity - end { compact() }
        guard bytes.count <= capacity - end else { return false }
        UnsafeMutableRawBufferPointer(rebasing: storage[end..<(end + bytes.count)]).copyMemory(from: bytes)
        end += bytes.count
        packetCount += 1
        return true
    }

    /// The bytes to write.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[head..<end])
    }

    /// Drops the first `n` written bytes (a partial write), keeping the rest.
    public mutating func consume(_ n: Int) {
        guard n > 0 else { return }
        head += n
        if head >= end {
            head = 0
            end = 0
            packetCount = 0
        }
    }

    /// Moves the bytes not yet written to the front, making room behind them.
    public mutating func compact() {
        guard head > 0 else { return }
        let base = storage.baseAddress.unsafelyUnwrapped
        base.copyMemory(from: base + head, byteCount: end - head)
        end -= head
        head = 0
    }

    public mutating func reset() {
        head = 0
        end = 0
        packetCount = 0
    }
}

// MARK: - TUN offload (IFF_VNET_HDR)

extension OutboundBatch {
    /// What the writer needs free before a TUN read with offload: the
    /// largest superpacket plus the headers of its segments at MSS 1000
    /// (larger expansions, from tiny MSS values, drop the superpacket).
    public static let superpacketRoom = 65535 + 66 * 128

    /// Commits what a TUN read with a virtio header put at
    /// `nextPacketSpace` (`length` bytes, the header in `virtioHeaderSpace`):
    /// a plain packet stays in place, with its checksum completed when the
    /// kernel left it partial (VIRTIO_NET_HDR_F_NEEDS_CSUM) and its MSS
    /// clamped to `mtu` when it is a SYN; a TCP superpacket (TSO) is split
    /// into segments of the header's gso_size, each a complete packet with
    /// its own IP and TCP headers and checksums. Returns the number of IP
    /// packets added: 0 means the packet was dropped (malformed, an offload
    /// it cannot split, or no room).
    public mutating func commit(length: Int, virtioHeader: UnsafeRawBufferPointer, protocolNumber: UInt16, mtu: Int)
        -> Int
    {
        let header = VirtioNetHeader(virtioHeader)
        let packet = UnsafeMutableRawBufferPointer(
            rebasing: storage[(end + Self.headerLength)..<(end + Self.headerLength + length)])
        if header.gsoType == VirtioNetHeader.gsoNone {
            if header.needsChecksum {
                guard
                    TUNOffload.completeChecksum(
                        packet, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
                else { return 0 }
            }
            MSSClamp.clamp(packet, mtu: mtu)
            commit(length: length, protocolNumber: protocolNumber)
            return 1
        }
        // Move the superpacket to the end of the buffer and write the
        // segments from the front: each segment's output stays behind the
        // input still to be read (see appendSegments).
        guard length <= capacity - end - Self.headerLength else { return 0 }
        let tail = storage.baseAddress.unsafelyUnwrapped + (capacity - length)
        tail.copyMemory(from: packet.baseAddress.unsafelyUnwrapped, byteCount: length)
        return appendSegments(
            of: UnsafeRawBufferPointer(start: tail, count: length), header: header, protocolNumber: protocolNumber)
    }

    /// Appends the packet at `packet` (not in this batch, or at its end as
    /// `commit(length:virtioHeader:...)` places it) with its virtio header:
    /// a plain packet is copied, a superpacket split into segments. The
    /// checksum of a plain packet must be complete already
    /// (TUNOffload.completeChecksum). Returns the IP packets added (0: dropped).
    public mutating func append(packet: UnsafeRawBufferPointer, header: VirtioNetHeader, protocolNumber: UInt16) -> Int
    {
        if header.gsoType == VirtioNetHeader.gsoNone {
            guard packet.count <= spaceForNextPacket else { return 0 }
            nextPacketSpace.copyMemory(from: packet)
            commit(length: packet.count, protocolNumber: protocolNumber)
            return 1
        }
        return appendSegments(of: packet, header: header, protocolNumber: protocolNumber)
    }

    /// Bytes a superpacket takes once split (nil: not a TCP superpacket
    /// this can split).
    public static func segmentedLength(of packet: UnsafeRawBufferPointer, header: VirtioNetHeader) -> Int? {
        guard let g = TUNOffload.geometry(packet, header: header) else { return nil }
        return g.segments * (headerLength + g.headerLength) + (packet.count - g.headerLength)
    }

    /// Splits the TCP or UDP superpacket `packet` into segments of gso_size
    /// payload bytes at the end of the batch (the fields and checksums of
    /// RFC 791, RFC 8200, RFC 9293 §3.1 and RFC 768, in the way the kernel's
    /// own GSO does): IPv4 total length, identification + i and header
    /// checksum, or the IPv6 payload length; TCP sequence number + offset,
    /// FIN and PSH only on the last segment, CWR only on the first; or the
    /// UDP length; and the TCP or UDP checksum.
    ///
    /// `packet` may lie in this batch's storage past the written bytes (the
    /// tail, as `commit` puts it): segment i ends no later than the input of
    /// segment i + 1 begins, as long as all the segments fit, which is
    /// checked first.
    mutating func appendSegments(of packet: UnsafeRawBufferPointer, header: VirtioNetHeader, protocolNumber: UInt16)
        -> Int
    {
        guard let g = TUNOffload.geometry(packet, header: header) else { return 0 }
        let needed = g.segments * (Self.headerLength + g.headerLength) + (packet.count - g.headerLength)
        guard needed <= capacity - end else { return 0 }
        let source = packet.baseAddress.unsafelyUnwrapped
        let payloadLength = packet.count - g.headerLength
        return withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { template in
            let t = template.baseAddress.unsafelyUnwrapped
            t.copyMemory(from: source, byteCount: g.headerLength)
            let ipv4 = g.ipv4
            let transport = g.ipHeaderLength
            let transportHeaderLength = g.headerLength - transport
            let firstSequence = g.tcp ? TUNOffload.load32(t + transport + 4) : 0
            let identification = ipv4 ? TUNOffload.load16(t + 4) : 0
            let flags = (t + transport + 13).load(as: UInt8.self)
            // The pseudo-header's addresses (RFC 9293 §3.1, RFC 8200 §8.1).
            let addressSum =
                ipv4
                ? InternetChecksum.sum(UnsafeRawPointer(t + 12), count: 8)
                : InternetChecksum.sum(UnsafeRawPointer(t + 8), count: 32)
            var offset = 0
            var index = 0
            while offset < payloadLength {
                let size = min(Int(header.gsoSize), payloadLength - offset)
                let out = storage.baseAddress.unsafelyUnwrapped + end
                let ip = out + Self.headerLength
                ip.copyMemory(from: t, byteCount: g.headerLength)
                let last = offset + size == payloadLength
                if ipv4 {
                    TUNOffload.store16(ip + 2, UInt16(g.headerLength + size))
                    TUNOffload.store16(ip + 4, identification &+ UInt16(truncatingIfNeeded: index))
                    TUNOffload.store16(ip + 10, 0)
                    let sum = InternetChecksum.sum(UnsafeRawPointer(ip), count: g.ipHeaderLength)
                    (ip + 10).storeBytes(of: ~InternetChecksum.fold(sum), as: UInt16.self)
                } else {
                    TUNOffload.store16(ip + 4, UInt16(g.headerLength - 40 + size))
                }
                let th = ip + transport
                if g.tcp {
                    TUNOffload.store32(th + 4, firstSequence &+ UInt32(truncatingIfNeeded: offset))
                    var f = flags
                    if !last { f &= ~(0x01 | 0x08) }  // FIN, PSH
                    if index > 0 { f &= ~0x80 }  // CWR
                    (th + 13).storeBytes(of: f, as: UInt8.self)
                } else {
                    TUNOffload.store16(th + 4, UInt16(8 + size))  // UDP length (RFC 768)
                }
                let checksumField = th + (g.tcp ? 16 : 6)
                TUNOffload.store16(checksumField, 0)
                var sum = addressSum
                // Zero and the protocol, then the length, in memory order.
                sum = InternetChecksum.add(sum, UInt64(g.tcp ? 6 : 17) << 8)
                let transportLength = UInt16(transportHeaderLength + size)
                sum = InternetChecksum.add(sum, UInt64(transportLength.byteSwapped))
                sum = InternetChecksum.add(
                    sum, InternetChecksum.sum(UnsafeRawPointer(th), count: transportHeaderLength))
                sum = InternetChecksum.copyAndSum(
                    from: UnsafeRawPointer(source + g.headerLength + offset), to: th + transportHeaderLength,
                    count: size,
                    initial: sum)
                var checksum = ~InternetChecksum.fold(sum)
                if !g.tcp, checksum == 0 { checksum = 0xffff }  // RFC 768: zero means none
                checksumField.storeBytes(of: checksum, as: UInt16.self)
                Self.writeHeader(out, length: g.headerLength + size, protocolNumber: protocolNumber)
                end += Self.headerLength + g.headerLength + size
                packetCount += 1
                offset += size
                index += 1
            }
            return index
        }
    }
}
