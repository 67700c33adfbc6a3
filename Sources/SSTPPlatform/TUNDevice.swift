import CSSTPPlatform
import Glibc

/// A TUN interface this process created. It vanishes when the fd closes,
/// taking its addresses and routes with it: nothing half-configured remains
/// after a crash.
public final class TUNDevice {
    public let fd: Int32
    public let name: String
    public let index: Int32

    /// `name` may be a pattern like "sstp%d".
    public init(name: String = "sstp%d") throws(SystemError) {
        var out = [CChar](repeating: 0, count: 32)
        let fd = csstp_tun_open(name, 0, &out, out.count)
        guard fd >= 0 else { throw SystemError("open TUN \(name)") }
        let created = String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let index = csstp_if_index(created)
        guard index > 0 else {
            let error = SystemError("if_nametoindex(\(created))")
            close(fd)
            throw error
        }
        self.fd = fd
        self.name = created
        self.index = index
    }

    deinit {
        close(fd)
    }

    public func setMTU(_ mtu: Int) throws(SystemError) {
        guard csstp_if_set_mtu(name, Int32(mtu)) == 0 else { throw SystemError("set MTU \(mtu) on \(name)") }
    }

    public func setUp(_ up: Bool = true) throws(SystemError) {
        guard csstp_if_set_up(name, up ? 1 : 0) == 0 else { throw SystemError("set \(name) up") }
    }

    /// Reads one packet; nil when none is waiting.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n >= 0 { return n }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw SystemError("read \(name)")
    }

    /// Writes one packet. A full queue drops it, as a router would.
    @inline(__always)
    public func write(_ packet: UnsafeRawBufferPointer) {
        _ = Glibc.write(fd, packet.baseAddress, packet.count)
    }
}
