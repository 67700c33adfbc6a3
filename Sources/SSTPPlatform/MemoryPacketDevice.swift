import CSSTPPlatform
import Glibc

/// One end of an in-memory packet link: what one end writes, the other end
/// reads, in order. Each end has an eventfd that is readable while packets
/// wait, so an `EventLoop` serves it like a TUN. No virtio header. For
/// tests (it copies each packet; the real data plane never uses it).
public final class MemoryPacketDevice: PacketDevice {
    public let fd: Int32
    public let name: String
    public let index: Int32
    public var virtioHeader: Bool { false }
    public private(set) var mtu: Int?
    public private(set) var isUp = false
    public private(set) var ipv6Enabled: Bool?
    /// Packets dropped because `queueLimit` were waiting.
    public private(set) var dropped = 0
    public var queueLimit = 1024
    private weak var peer: MemoryPacketDevice?
    private var inbox: [[UInt8]] = []
    private var head = 0

    private init(name: String, index: Int32) throws(SystemError) {
        let fd = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard fd >= 0 else { throw SystemError("eventfd") }
        self.fd = fd
        self.name = name
        self.index = index
    }

    deinit {
        close(fd)
    }

    /// Two joined ends. The caller keeps both (an end holds its peer weakly).
    public static func pair(_ a: (name: String, index: Int32), _ b: (name: String, index: Int32))
        throws(SystemError) -> (MemoryPacketDevice, MemoryPacketDevice)
    {
        let first = try MemoryPacketDevice(name: a.name, index: a.index)
        let second = try MemoryPacketDevice(name: b.name, index: b.index)
        first.peer = second
        second.peer = first
        return (first, second)
    }

    /// Packets waiting to be read on this end.
    public var waiting: Int { inbox.count - head }

    public func setMTU(_ mtu: Int) throws(SystemError) { self.mtu = mtu }
    public func configureIPv6(enabled: Bool) throws(SystemError) { ipv6Enabled = enabled }
    public func setUp(_ up: Bool) throws(SystemError) { isUp = up }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        guard head < inbox.count else { return nil }
        let packet = inbox[head]
        head += 1
        if head == inbox.count {
            inbox.removeAll(keepingCapacity: true)
            head = 0
            var count: UInt64 = 0
            _ = Glibc.read(fd, &count, 8)
        }
        let n = min(packet.count, buffer.count)
        packet.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        return n
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, virtioHeader header: UnsafeMutableRawBufferPointer)
        throws(SystemError) -> Int?
    {
        header.initializeMemory(as: UInt8.self, repeating: 0)
        return try read(into: buffer)
    }

    public func write(_ packet: UnsafeRawBufferPointer) {
        peer?.deliver(packet)
    }

    /// Without a virtio header on this device, the header is dropped.
    public func write(withVirtioHeader bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 10 else { return }
        peer?.deliver(UnsafeRawBufferPointer(rebasing: bytes[10...]))
    }

    private func deliver(_ packet: UnsafeRawBufferPointer) {
        guard waiting < queueLimit else {
            dropped += 1
            return
        }
        inbox.append(Array(packet))
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }
}
