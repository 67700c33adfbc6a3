/// The header a TUN opened with IFF_VNET_HDR puts before every packet it
/// hands out (struct virtio_net_hdr, include/uapi/linux/virtio_net.h;
/// little-endian on the hosts we build for).
public struct VirtioNetHeader: Sendable, Equatable {
    public static let length = 10
    public static let flagNeedsChecksum: UInt8 = 1
    public static let gsoNone: UInt8 = 0
    public static let gsoTCPv4: UInt8 = 1
    public static let gsoTCPv6: UInt8 = 4
    /// UDP segmentation (UDP_SEGMENT senders), IPv4 and IPv6 alike.
    public static let gsoUDPL4: UInt8 = 5
    public static let gsoECN: UInt8 = 0x80

    public var flags: UInt8
    /// Without the ECN bit.
    public var gsoType: UInt8
    public var ecn: Bool
    public var headerLength: UInt16
    public var gsoSize: UInt16
    public var checksumStart: UInt16
    public var checksumOffset: UInt16

    public init(
        flags: UInt8 = 0, gsoType: UInt8 = 0, ecn: Bool = false, headerLength: UInt16 = 0, gsoSize: UInt16 = 0,
        checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0
    ) {
        self.flags = flags
        self.gsoType = gsoType
        self.ecn = ecn
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// Reads the 10 bytes at `raw` (fewer bytes read as a plain packet).
    public init(_ raw: UnsafeRawBufferPointer) {
        guard raw.count >= Self.length, let p = raw.baseAddress else {
            self.init()
            return
        }
        func le16(_ offset: Int) -> UInt16 {
            UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        }
        let type = p.load(fromByteOffset: 1, as: UInt8.self)
        self.init(
            flags: p.load(as: UInt8.self), gsoType: type & ~Self.gsoECN, ecn: type & Self.gsoECN != 0,
            headerLength: le16(2), gsoSize: le16(4), checksumStart: le16(6), checksumOffset: le16(8))
    }

    public var needsChecksum: Bool { flags & Self.flagNeedsChecksum != 0 }

    /// The 10 bytes.
    public var bytes: [UInt8] {
        func le(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
        return [flags, gsoType | (ecn ? Self.gsoECN : 0)] + le(headerLength) + le(gsoSize) + le(checksumStart)
            + le(checksumOffset)
    }
}

/// The Internet checksum (RFC 1071) in memory order: words are added as
/// the machine loads them, eight bytes at a time with end-around carry,
/// and the folded 16-bit result is stored back the same way, which is
/// byte-order independent (RFC 1071 §2(B)).
public enum InternetChecksum {
    @inline(__always)
    public static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (s, o) = a.addingReportingOverflow(b)
        return s &+ (o ? 1 : 0)
    }

    /// The running sum of `count` bytes at `p` (which starts at an even
    /// offset of the checksummed data).
    public static func sum(_ p: UnsafeRawPointer, count: Int, initial: UInt64 = 0) -> UInt64 {
        var s = initial
        var i = 0
        while i + 8 <= count {
            s = add(s, p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        return add(s, tail(p + i, count: count - i))
    }

    /// Copies `count` bytes and sums them in the same pass. The regions
    /// may overlap when `to` lies before `from`.
    public static func copyAndSum(from: UnsafeRawPointer, to: UnsafeMutableRawPointer, count: Int, initial: UInt64)
        -> UInt64
    {
        var s = initial
        var i = 0
        while i + 8 <= count {
            let w = from.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            to.storeBytes(of: w, toByteOffset: i, as: UInt64.self)
            s = add(s, w)
            i += 8
        }
        // The last bytes are summed before they are copied: with `to`
        // before `from`, the copy may overwrite them.
        s = add(s, tail(from + i, count: count - i))
        while i < count {
            to.storeBytes(of: from.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
            i += 1
        }
        return s
    }

    /// Up to 7 trailing bytes as a zero-padded word in memory order.
    @inline(__always)
    static func tail(_ p: UnsafeRawPointer, count: Int) -> UInt64 {
        var w: UInt64 = 0
        var i = 0
        while i < count {
            w |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i))
            i += 1
        }
        return w
    }

    /// Folds a running sum to 16 bits (still in memory order).
    @inline(__always)
    public static func fold(_ s: UInt64) -> UInt16 {
        var x = (s & 0xffff_ffff) + (s >> 32)
        x = (x & 0xffff_ffff) + (x >> 32)
        var y = UInt32(x & 0xffff_ffff)
        y = (y & 0xffff) + (y >> 16)
        y = (y & 0xffff) + (y >> 16)
        return UInt16(y)
    }
}

/// What the data plane does for a TUN with offloads (TUNSETOFFLOAD with
/// TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, and TUN_F_USO4/6 where the kernel
/// has them): the kernel hands out TCP superpackets, and UDP ones from
/// UDP_SEGMENT senders, of up to 64 KB and leaves checksums partial, which
/// saves it the per-packet work; we finish both in user space.
public enum TUNOffload {
    /// Where a superpacket's headers end and how many segments it makes.
    public struct Geometry: Equatable {
        public var ipv4: Bool
        /// TCP (else UDP).
        public var tcp: Bool
        public var ipHeaderLength: Int
        /// IP and TCP or UDP headers.
        public var headerLength: Int
        public var segments: Int
    }

    /// The geometry of a TCP or UDP superpacket, or nil when it is not one
    /// this can split (IPv6 extension headers, bad lengths, other types).
    public static func geometry(_ packet: UnsafeRawBufferPointer, header: VirtioNetHeader) -> Geometry? {
        guard header.gsoSize > 0, let p = packet.baseAddress, packet.count >= 28 else { return nil }
        let version = p.load(as: UInt8.self) >> 4
        let udp = header.gsoType == VirtioNetHeader.gsoUDPL4
        let ipHeaderLength: Int
        let ipv4: Bool
        if version == 4, header.gsoType == VirtioNetHeader.gsoTCPv4 || udp {
            ipHeaderLength = Int(p.load(as: UInt8.self) & 0x0f) * 4
            guard ipHeaderLength >= 20, p.load(fromByteOffset: 9, as: UInt8.self) == (udp ? 17 : 6) else { return nil }
            ipv4 = true
        } else if version == 6, header.gsoType == VirtioNetHeader.gsoTCPv6 || udp {
            guard packet.count >= 48, p.load(fromByteOffset: 6, as: UInt8.self) == (udp ? 17 : 6) else { return nil }
            ipHeaderLength = 40
            ipv4 = false
        } else {
            return nil
        }
        let transportHeaderLength: Int
        if udp {
            transportHeaderLength = 8
        } else {
            guard packet.count >= ipHeaderLength + 20 else { return nil }
            transportHeaderLength = Int(p.load(fromByteOffset: ipHeaderLength + 12, as: UInt8.self) >> 4) * 4
            guard transportHeaderLength >= 20 else { return nil }
        }
        let headerLength = ipHeaderLength + transportHeaderLength
        guard headerLength <= 128, packet.count > headerLength else { return nil }
        let payload = packet.count - headerLength
        let size = Int(header.gsoSize)
        return Geometry(
            ipv4: ipv4, tcp: !udp, ipHeaderLength: ipHeaderLength, headerLength: headerLength,
            segments: (payload + size - 1) / size)
    }

    /// Finishes a checksum the kernel left partial: the one's complement
    /// sum from `start` to the end (the field at start + offset holds the
    /// pseudo-header's sum), complemented, stored at start + offset; a
    /// zero result is stored as 0xffff (RFC 768). False if the offsets are
    /// outside the packet.
    public static func completeChecksum(_ packet: UnsafeMutableRawBufferPointer, start: Int, offset: Int) -> Bool {
        guard let p = packet.baseAddress, start + offset + 2 <= packet.count else { return false }
        let sum = InternetChecksum.sum(UnsafeRawPointer(p + start), count: packet.count - start)
        var result = ~InternetChecksum.fold(sum)
        if result == 0 { result = 0xffff }
        (p + start + offset).storeBytes(of: result, as: UInt16.self)
        return true
    }

    @inline(__always)
    static func load16(_ p: UnsafeMutableRawPointer) -> UInt16 {
        UInt16(bigEndian: p.loadUnaligned(as: UInt16.self))
    }

    @inline(__always)
    static func load32(_ p: UnsafeMutableRawPointer) -> UInt32 {
        UInt32(bigEndian: p.loadUnaligned(as: UInt32.self))
    }

    @inline(__always)
    static func store16(_ p: UnsafeMutableRawPointer, _ v: UInt16) {
        p.storeBytes(of: v.bigEndian, as: UInt16.self)
    }

    @inline(__always)
    static func store32(_ p: UnsafeMutableRawPointer, _ v: UInt32) {
        p.storeBytes(of: v.bigEndian, as: UInt32.self)
    }
}
