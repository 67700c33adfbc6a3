/// The receive side of TUN offload: consecutive TCP segments of one IPv4
/// flow, as they come out of the tunnel, are joined into one superpacket
/// that a TUN with IFF_VNET_HDR takes in one write (gso_type TCPv4,
/// checksum partial), so the kernel receives one large packet instead of
/// dozens, as GRO would make of them on a real NIC.
///
/// Only plain data segments are joined: IPv4 without options or
/// fragmentation, TCP with only ACK (and PSH on the last), the same
/// addresses, ports, TOS, TTL, acknowledgment, window and TCP options, the
/// next sequence number, and sizes equal to the first segment's (a shorter
/// one, or PSH, ends the train). Everything else goes out on its own, after
/// what is pending, so the order on the wire is kept.
///
/// Use: `add` each packet; when it returns false, write `finish()` (if
/// any) and `add` again, and if that is false too write the packet as it
/// is. `finish()` at the end of each batch of received bytes.
public struct TCPCoalescer: ~Copyable {
    /// The largest superpacket (the IPv4 total length is 16 bits).
    public static let maximumLength = 65535

    private let storage: UnsafeMutableRawBufferPointer
    /// The pending IP packet's length (0: nothing pending).
    private var length = 0
    private var segments = 0
    private var segmentSize = 0
    private var headerLength = 0
    private var nextSequence: UInt32 = 0
    private var closed = false
    private var pushed = false
    /// Segments that went out joined to others (for the tests and stats).
    public private(set) var joined = 0

    public init() {
        storage = UnsafeMutableRawBufferPointer.allocate(
            byteCount: VirtioNetHeader.length + Self.maximumLength, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    public var isEmpty: Bool { length == 0 }

    private var packet: UnsafeMutableRawPointer { storage.baseAddress.unsafelyUnwrapped + VirtioNetHeader.length }

    /// The TCP header length of a segment that can be joined, else nil.
    @inline(__always)
    private static func joinableHeader(_ p: UnsafeRawBufferPointer) -> Int? {
        guard p.count >= 40, let b = p.baseAddress else { return nil }
        // IPv4, IHL 5, TCP, no MF, fragment offset 0.
        guard b.load(as: UInt8.self) == 0x45, b.load(fromByteOffset: 9, as: UInt8.self) == 6,
            b.load(fromByteOffset: 6, as: UInt8.self) & 0x3f == 0, b.load(fromByteOffset: 7, as: UInt8.self) == 0
        else { return nil }
        let totalLength =
            Int(b.load(fromByteOffset: 2, as: UInt8.self)) << 8 | Int(b.load(fromByteOffset: 3, as: UInt8.self))
        guard totalLength == p.count else { return nil }
        let tcpLength = Int(b.load(fromByteOffset: 32, as: UInt8.self) >> 4) * 4
        // ACK, optionally PSH; nothing else.
        let flags = b.load(fromByteOffset: 33, as: UInt8.self)
        guard tcpLength >= 20, flags & ~0x08 == 0x10, p.count > 20 + tcpLength else { return nil }
        return tcpLength
    }

    @inline(__always)
    private static func sameOptions(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        var i = 0
        while i < count {
            guard
                a.loadUnaligned(fromByteOffset: i, as: UInt32.self)
                    == b.loadUnaligned(fromByteOffset: i, as: UInt32.self)
            else { return false }
            i += 4
        }
        return true
    }

    /// Takes `p` into the pending superpacket; false when it cannot be
    /// joined to what is pending (or cannot start one).
    public mutating func add(_ p: UnsafeRawBufferPointer) -> Bool {
        guard let tcpLength = Self.joinableHeader(p) else { return false }
        let b = p.baseAddress.unsafelyUnwrapped
        let headers = 20 + tcpLength
        let payload = p.count - headers
        let sequence = UInt32(bigEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        if length == 0 {
            packet.copyMemory(from: b, byteCount: p.count)
            length = p.count
            segments = 1
            segmentSize = payload
            headerLength = headers
            nextSequence = sequence &+ UInt32(payload)
            pushed = b.load(fromByteOffset: 33, as: UInt8.self) & 0x08 != 0
            closed = pushed
            return true
        }
        guard !closed, headers == headerLength, sequence == nextSequence, payload <= segmentSize,
            length + payload <= Self.maximumLength
        else { return false }
        let q = UnsafeRawPointer(packet)
        // TOS, DF, TTL, protocol; addresses; ports; ack; data offset; window;
        // options: all the same. (Bytes 1, 6, 8-9, 12-23, 32, 34-35, 40...)
        guard q.load(fromByteOffset: 1, as: UInt8.self) == b.load(fromByteOffset: 1, as: UInt8.self),
            q.load(fromByteOffset: 6, as: UInt8.self) == b.load(fromByteOffset: 6, as: UInt8.self),
            q.loadUnaligned(fromByteOffset: 8, as: UInt16.self) == b.loadUnaligned(fromByteOffset: 8, as: UInt16.self),
            q.loadUnaligned(fromByteOffset: 12, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: 12, as: UInt64.self),
            q.loadUnaligned(fromByteOffset: 20, as: UInt32.self)
                == b.loadUnaligned(fromByteOffset: 20, as: UInt32.self),
            q.loadUnaligned(fromByteOffset: 28, as: UInt32.self)
                == b.loadUnaligned(fromByteOffset: 28, as: UInt32.self),
            q.load(fromByteOffset: 32, as: UInt8.self) == b.load(fromByteOffset: 32, as: UInt8.self),
            q.loadUnaligned(fromByteOffset: 34, as: UInt16.self)
                == b.loadUnaligned(fromByteOffset: 34, as: UInt16.self),
            Self.sameOptions(q + 40, b + 40, count: tcpLength - 20)
        else { return false }
        (packet + length).copyMemory(from: b + headers, byteCount: payload)
        length += payload
        segments += 1
        nextSequence = sequence &+ UInt32(payload)
        let push = b.load(fromByteOffset: 33, as: UInt8.self) & 0x08 != 0
        pushed = pushed || push
        closed = push || payload < segmentSize
        return true
    }

    /// What to write for the pending packet, virtio header first, and
    /// empties it (nil when nothing is pending). The bytes stay valid until
    /// the next `add`.
    public mutating func finish() -> UnsafeRawBufferPointer? {
        guard length > 0 else { return nil }
        let header = storage.baseAddress.unsafelyUnwrapped
        let total = length
        defer { length = 0 }
        guard segments > 1 else {
            // One segment: as it came, checksums and all.
            VirtioNetHeader().write(to: header)
            return UnsafeRawBufferPointer(start: header, count: VirtioNetHeader.length + total)
        }
        joined += segments
        let p = packet
        TUNOffload.store16(p + 2, UInt16(total))
        TUNOffload.store16(p + 10, 0)
        (p + 10).storeBytes(
            of: ~InternetChecksum.fold(InternetChecksum.sum(UnsafeRawPointer(p), count: 20)), as: UInt16.self)
        if pushed { (p + 33).storeBytes(of: (p + 33).load(as: UInt8.self) | 0x08, as: UInt8.self) }
        // Checksum partial: the pseudo-header's sum, which the kernel
        // completes if it ever needs to (forwarding); local delivery trusts
        // it, as it trusts a NIC's (the data came through TLS).
        var sum = InternetChecksum.sum(UnsafeRawPointer(p + 12), count: 8)
        sum = InternetChecksum.add(sum, UInt64(6) << 8)
        sum = InternetChecksum.add(sum, UInt64(UInt16(total - 20).byteSwapped))
        (p + 36).storeBytes(of: InternetChecksum.fold(sum), as: UInt16.self)
        VirtioNetHeader(
            flags: VirtioNetHeader.flagNeedsChecksum, gsoType: VirtioNetHeader.gsoTCPv4,
            headerLength: UInt16(headerLength), gsoSize: UInt16(segmentSize), checksumStart: 20, checksumOffset: 16
        ).write(to: header)
        return UnsafeRawBufferPointer(start: header, count: VirtioNetHeader.length + total)
    }
}

extension VirtioNetHeader {
    /// Stores the 10 bytes at `p`.
    public func write(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: flags, as: UInt8.self)
        p.storeBytes(of: gsoType | (ecn ? Self.gsoECN : 0), toByteOffset: 1, as: UInt8.self)
        p.storeBytes(of: headerLength.littleEndian, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: gsoSize.littleEndian, toByteOffset: 4, as: UInt16.self)
        p.storeBytes(of: checksumStart.littleEndian, toByteOffset: 6, as: UInt16.self)
        p.storeBytes(of: checksumOffset.littleEndian, toByteOffset: 8, as: UInt16.self)
    }
}
