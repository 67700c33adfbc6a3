import CSSTPPlatform
import Glibc

/// Non-blocking connected UDP sockets for the event loop (a RADIUS client:
/// one peer, datagrams from anyone else filtered out by the kernel, and an
/// ICMP port unreachable reported as ECONNREFUSED; udp(7)).
public enum UDPSocket {
    /// A socket connected to `address`.
    public static func connected(to address: SocketAddress) throws(SystemError) -> Int32 {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(
            family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        let rc = address.withSockaddr { connect(fd, $0, $1) }
        guard rc == 0 else {
            let error = SystemError("connect to \(address)")
            close(fd)
            throw error
        }
        return fd
    }

    /// Sends one datagram.
    public static func send(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
        while true {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { return }
            if errno == EINTR { continue }
            throw SystemError("send")
        }
    }

    /// Receives one datagram into `buffer` (a longer one is cut); nil when
    /// none is waiting.
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError)
        -> Int?
    {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN { return nil }
            throw SystemError("recv")
        }
    }
}
