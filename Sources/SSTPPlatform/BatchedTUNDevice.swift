import CSSTPPlatform
import Glibc

/// A TUN whose packets the kernel reads in batches: an io_uring keeps one
/// multishot read armed on the device (IORING_OP_READ_MULTISHOT, Linux
/// 6.7) and fills a ring of provided buffers as packets arrive, so the
/// data plane takes each packet with a copy instead of a read(2)
/// (CSSTPPlatform's tun_ring.c). `fd` is the ring's descriptor, readable
/// (level-triggered) while read packets wait: the event loop polls it in
/// place of the TUN's. Writes and the interface set-up go to the device.
///
/// Back-pressure stays: while the owner does not read (its handler paused),
/// the buffers run out, the multishot read ends and the TUN's own queue
/// fills; the next read once nothing waits arms it again.
///
/// `wrapping(_:)` falls back to the device itself where io_uring is
/// missing, too old or refused (kernel.io_uring_disabled, a seccomp filter).
///
/// Not used by the client or the server yet: measured on Linux 6.18
/// (bench/README.md, "Per-packet TUN->TLS"), the kernel's work per TUN
/// read (the skb copy and free) is the cost, not the read(2) around it;
/// the client's CPU per GB was the same per packet and higher with
/// superpackets (each one copied once more). Wrap the device in
/// ClientTunnel.ensureTUN or SSTPServer.start to use it.
public final class BatchedTUNDevice: PacketDevice {
    public let device: any PacketDevice
    private let ring: OpaquePointer
    public let fd: Int32

    /// Buffers in flight. With offload each takes a superpacket (64 KB):
    /// few of them, as all are touched under a bulk transfer; without,
    /// each holds one packet of at most the MTU (the rest of its 64 KB is
    /// never touched, so costs no memory).
    public static func defaultSlots(virtioHeader: Bool) -> Int { virtioHeader ? 16 : 64 }

    /// The batched reader on a TUNDevice, or `device` itself when it is
    /// another kind (a test's MemoryPacketDevice) or the kernel does not
    /// give one (see the type's comment).
    public static func wrapping(_ device: any PacketDevice, slots: Int? = nil) -> any PacketDevice {
        guard device is TUNDevice else { return device }
        return (try? BatchedTUNDevice(device, slots: slots ?? defaultSlots(virtioHeader: device.virtioHeader)))
            ?? device
    }

    /// Fails with the kernel's reason (ENOSYS, EPERM, EOPNOTSUPP for a
    /// kernel without the multishot read, EINVAL for `slots` not a power
    /// of two up to 32768).
    public init(_ device: any PacketDevice, slots: Int) throws(SystemError) {
        // Room for a 64 KB superpacket after its virtio header.
        let slotSize = 65535 + (device.virtioHeader ? VirtioHeaderLength.bytes : 0)
        guard slots > 0, slots <= 32768, let ring = csstp_tun_ring_open(device.fd, UInt32(slots), slotSize) else {
            throw SystemError("io_uring on \(device.name)", errno: slots > 0 && slots <= 32768 ? errno : EINVAL)
        }
        self.device = device
        self.ring = ring
        self.fd = csstp_tun_ring_fd(ring)
    }

    deinit {
        csstp_tun_ring_close(ring)
    }

    public var name: String { device.name }
    public var index: Int32 { device.index }
    public var virtioHeader: Bool { device.virtioHeader }
    public func setMTU(_ mtu: Int) throws(SystemError) { try device.setMTU(mtu) }
    public func configureIPv6(enabled: Bool) throws(SystemError) { try device.configureIPv6(enabled: enabled) }
    public func setUp(_ up: Bool) throws(SystemError) { try device.setUp(up) }

    /// One packet, with its virtio header first when `virtioHeader`.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        let n = csstp_tun_ring_read(ring, nil, 0, buffer.baseAddress, buffer.count)
        if n >= 0 { return n }
        if errno == EAGAIN { return nil }
        throw SystemError("read \(name)")
    }

    /// One packet into `buffer`, its virtio header into `header` (zeroed
    /// without offload).
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer, virtioHeader header: UnsafeMutableRawBufferPointer)
        throws(SystemError) -> Int?
    {
        guard virtioHeader else {
            header.initializeMemory(as: UInt8.self, repeating: 0)
            return try read(into: buffer)
        }
        let n = csstp_tun_ring_read(
            ring, header.baseAddress, min(header.count, VirtioHeaderLength.bytes), buffer.baseAddress, buffer.count)
        if n >= 0 { return n }
        if errno == EAGAIN { return nil }
        throw SystemError("read \(name)")
    }

    public func write(_ packet: UnsafeRawBufferPointer) { device.write(packet) }
    public func write(withVirtioHeader bytes: UnsafeRawBufferPointer) { device.write(withVirtioHeader: bytes) }
}

/// The virtio_net_hdr a TUN with IFF_VNET_HDR puts before each packet
/// (SSTPDataPlane's VirtioNetHeader has the fields; SSTPPlatform does not
/// depend on it).
enum VirtioHeaderLength {
    static let bytes = 10
}
