import CSSTPPlatform
import Glibc

/// Non-blocking TCP sockets for the event loop.
public enum TCPSocket {
    /// Starts a connect; the socket becomes writable when it completes, and
    /// `finishConnect` then tells whether it worked. With `userTimeout`,
    /// data left unacknowledged that long ends the connection
    /// (TCP_USER_TIMEOUT, RFC 5482; tcp(7)): a dead path under traffic is
    /// noticed in seconds, not after the kernel's retransmissions.
    public static func startConnect(to address: SocketAddress, userTimeout: Duration? = nil) throws(SystemError)
        -> Int32
    {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(
            family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        setNoDelay(fd)
        if let userTimeout {
            do throws(SystemError) {
                try setUserTimeout(fd, userTimeout)
            } catch {
                close(fd)
                throw error
            }
        }
        let rc = address.withSockaddr { connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            let error = SystemError("connect to \(address)")
            close(fd)
            throw error
        }
        return fd
    }

    /// SO_ERROR after a non-blocking connect.
    public static func finishConnect(_ fd: Int32, to address: SocketAddress) throws(SystemError) {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else {
            throw SystemError("getsockopt(SO_ERROR)")
        }
        if error != 0 { throw SystemError("connect to \(address)", errno: error) }
    }

    /// A listening socket on `address` (port 0 picks one).
    public static func listen(on address: SocketAddress, backlog: Int32 = 128) throws(SystemError) -> Int32 {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(
            family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.withSockaddr { bind(fd, $0, $1) }
        guard rc == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError("listen on \(address)")
            close(fd)
            throw error
        }
        return fd
    }

    /// Accepts one pending connection; nil when none is waiting.
    public static func accept(_ listener: Int32) throws(SystemError) -> (fd: Int32, peer: SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = csstp_accept(listener, &storage, &length)
        if fd < 0 {
            if errno == EAGAIN || errno == EINTR || errno == ECONNABORTED { return nil }
            throw SystemError("accept")
        }
        setNoDelay(fd)
        return (fd, peerAddress(of: storage))
    }

    /// The local address a socket is bound to.
    public static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return rc == 0 ? peerAddress(of: storage) : nil
    }

    static func peerAddress(of storage: sockaddr_storage) -> SocketAddress {
        var storage = storage
        if storage.ss_family == sa_family_t(AF_INET6) {
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var a = sin6.pointee.sin6_addr
                    return SocketAddress(
                        address: withUnsafeBytes(of: &a) { Array($0) }, port: UInt16(bigEndian: sin6.pointee.sin6_port))
                }
            }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var a = sin.pointee.sin_addr
                return SocketAddress(
                    address: withUnsafeBytes(of: &a) { Array($0) }, port: UInt16(bigEndian: sin.pointee.sin_port))
            }
        }
    }

    /// TCP_USER_TIMEOUT in milliseconds (0 restores the kernel's default).
    public static func setUserTimeout(_ fd: Int32, _ timeout: Duration) throws(SystemError) {
        var ms = UInt32(clamping: userTimeoutMilliseconds(timeout))
        guard setsockopt(fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &ms, socklen_t(MemoryLayout<UInt32>.size)) == 0
        else { throw SystemError("setsockopt(TCP_USER_TIMEOUT)") }
    }

    /// The socket's TCP_USER_TIMEOUT in milliseconds.
    public static func userTimeout(_ fd: Int32) -> UInt32? {
        var ms: UInt32 = 0
        var length = socklen_t(MemoryLayout<UInt32>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &ms, &length) == 0 else { return nil }
        return ms
    }

    static func userTimeoutMilliseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        guard seconds >= 0 else { return 0 }
        guard seconds < Int64(UInt32.max) / 1000 else { return Int64(UInt32.max) }
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Non-blocking plain read/write for the HTTP proxy exchange before TLS.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n >= 0 { return n }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw SystemError("read")
    }

    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int? {
        let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return n }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw SystemError("write")
    }
}
