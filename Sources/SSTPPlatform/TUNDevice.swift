import CSSTPPlatform
import Glibc

/// A TUN interface this process created. It vanishes when the fd closes,
/// taking its addresses and routes with it: nothing half-configured remains
/// after a crash.
public final class TUNDevice {
    public let fd: Int32
    public let name: String
    public let index: Int32

    /// True when every read starts with, and every write needs, a 10-byte
    /// virtio_net_hdr (IFF_VNET_HDR), and the kernel may hand out TCP (and
    /// UDP) superpackets of up to 64 KB with partial checksums (TUNSETOFFLOAD
    /// TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, and TUN_F_USO4 | TUN_F_USO6 where
    /// the kernel has them). The data plane segments them
    /// (SSTPDataPlane's TUNOffload); a kernel that refuses the offloads
    /// leaves a plain TUN.
    public let virtioHeader: Bool

    /// `name` may be a pattern like "sstp%d". With `offload`, the TUN is
    /// opened with IFF_VNET_HDR and TSO (see `virtioHeader`).
    public init(name: String = "sstp%d", offload: Bool = true) throws(SystemError) {
        var out = [CChar](repeating: 0, count: 32)
        var fd = csstp_tun_open(name, offload ? 1 : 0, &out, out.count)
        var vnet = offload && fd >= 0
        // TUNSETOFFLOAD = _IOW('T', 208, unsigned int): TUN_F_CSUM 0x01,
        // TUN_F_TSO4 0x02, TUN_F_TSO6 0x04, TUN_F_USO4 0x20, TUN_F_USO6 0x40
        // (include/uapi/linux/if_tun.h; USO since Linux 6.2).
        if vnet, ioctl(fd, 0x4004_54d0, 0x01 | 0x02 | 0x04 | 0x20 | 0x40) != 0,
            ioctl(fd, 0x4004_54d0, 0x01 | 0x02 | 0x04) != 0
        {
            close(fd)
            fd = csstp_tun_open(name, 0, &out, out.count)
            vnet = false
        }
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
        self.virtioHeader = vnet
    }

    deinit {
        close(fd)
    }

    public func setMTU(_ mtu: Int) throws(SystemError) {
        guard csstp_if_set_mtu(name, Int32(mtu)) == 0 else { throw SystemError("set MTU \(mtu) on \(name)") }
    }

    /// IPv6 on the interface, set before it goes up. The kernel never makes
    /// up a link-local address of its own (addr_gen_mode 1, "none"): IPv6CP
    /// negotiates the interface identifier (RFC 5072 section 4.1) and the
    /// link-local address is built from it. Without `enabled`, IPv6 is off
    /// on the interface (disable_ipv6): no address, no router solicitation,
    /// no IPv6 packet at all. A kernel without IPv6 has nothing to turn off.
    public func configureIPv6(enabled: Bool) throws(SystemError) {
        let directory = "/proc/sys/net/ipv6/conf/\(name)"
        guard access(directory, F_OK) == 0 else { return }
        try Self.writeSysctl(directory + "/addr_gen_mode", "1")
        if !enabled { try Self.writeSysctl(directory + "/disable_ipv6", "1") }
    }

    private static func writeSysctl(_ path: String, _ value: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open \(path)") }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SystemError("write \(value) to \(path)") }
    }

    public func setUp(_ up: Bool = true) throws(SystemError) {
        guard csstp_if_set_up(name, up ? 1 : 0) == 0 else { throw SystemError("set \(name) up") }
    }

    /// Reads one packet, with its virtio header first when `virtioHeader`;
    /// nil when none is waiting.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n >= 0 { return n }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw SystemError("read \(name)")
    }

    /// Reads one packet into `buffer` and its virtio header (10 bytes) into
    /// `virtioHeader`, which is zeroed (a plain packet) without offload.
    /// Returns the packet's length; nil when none is waiting.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer, virtioHeader header: UnsafeMutableRawBufferPointer)
        throws(SystemError) -> Int?
    {
        guard virtioHeader else {
            header.initializeMemory(as: UInt8.self, repeating: 0)
            return try read(into: buffer)
        }
        var iov = (
            iovec(iov_base: header.baseAddress, iov_len: 10), iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        )
        let n = withUnsafeMutablePointer(to: &iov) {
            $0.withMemoryRebound(to: iovec.self, capacity: 2) { readv(fd, $0, 2) }
        }
        if n >= 10 { return n - 10 }
        if n >= 0 { return 0 }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw SystemError("read \(name)")
    }

    /// Writes one packet (a zero virtio header goes first when
    /// `virtioHeader`: a whole packet with its checksums). A full queue
    /// drops it, as a router would.
    @inline(__always)
    public func write(_ packet: UnsafeRawBufferPointer) {
        guard virtioHeader else {
            _ = Glibc.write(fd, packet.baseAddress, packet.count)
            return
        }
        var zero: (UInt64, UInt16) = (0, 0)
        withUnsafeMutableBytes(of: &zero) { header in
            var iov = (
                iovec(iov_base: header.baseAddress, iov_len: 10),
                iovec(iov_base: UnsafeMutableRawPointer(mutating: packet.baseAddress), iov_len: packet.count)
            )
            _ = withUnsafeMutablePointer(to: &iov) {
                $0.withMemoryRebound(to: iovec.self, capacity: 2) { writev(fd, $0, 2) }
            }
        }
    }

    /// Writes bytes that begin with their own virtio header (only with
    /// `virtioHeader`): a superpacket the kernel takes in one write.
    @inline(__always)
    public func write(withVirtioHeader bytes: UnsafeRawBufferPointer) {
        _ = Glibc.write(fd, bytes.baseAddress, bytes.count)
    }
}
