/// The packet-device seam (the TUN), in the manner of a device interface:
/// one IP packet per read and per write, a descriptor the event loop polls
/// for "a packet waits", a name and an interface index for the network
/// configuration. `TUNDevice` is the real one; `MemoryPacketDevice` is an
/// in-memory pair for tests.
///
/// Contract: `fd` is readable (level-triggered) while a packet waits; reads
/// never block and return nil when none waits; a write never blocks and a
/// full queue drops the packet. With `virtioHeader`, reads and writes carry
/// a 10-byte virtio_net_hdr (see TUNDevice).
public protocol PacketDevice: AnyObject {
    var fd: Int32 { get }
    var name: String { get }
    var index: Int32 { get }
    var virtioHeader: Bool { get }
    func setMTU(_ mtu: Int) throws(SystemError)
    /// IPv6 on the interface, set before it goes up (see TUNDevice).
    func configureIPv6(enabled: Bool) throws(SystemError)
    func setUp(_ up: Bool) throws(SystemError)
    /// One packet (with its virtio header first when `virtioHeader`); nil when none waits.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int?
    /// One packet into `buffer`, its virtio header into `virtioHeader`
    /// (zeroed without offload); the packet's length, nil when none waits.
    func read(into buffer: UnsafeMutableRawBufferPointer, virtioHeader header: UnsafeMutableRawBufferPointer)
        throws(SystemError) -> Int?
    /// One whole packet (a zero virtio header is added when `virtioHeader`).
    func write(_ packet: UnsafeRawBufferPointer)
    /// Bytes that begin with their own virtio header (only with `virtioHeader`).
    func write(withVirtioHeader bytes: UnsafeRawBufferPointer)
}

extension TUNDevice: PacketDevice {}
