import Glibc

/// A ByteTransport over a connected non-blocking stream socket (TCP, or
/// one end of a socketpair). It owns the descriptor: `close` closes it.
public final class SocketByteTransport: ByteTransport {
    public let fd: Int32
    public var kernelSocket: Int32? { closed ? nil : fd }
    private var closed = false

    public init(fd: Int32) {
        self.fd = fd
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ByteTransportResult {
        guard !closed else { return .failed(errno: EBADF) }
        guard !buffer.isEmpty else { return .wouldBlock }
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .endOfStream }
        return Self.blockedOrFailed(errno)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> ByteTransportResult {
        guard !closed else { return .failed(errno: EBADF) }
        guard !bytes.isEmpty else { return .bytes(0) }
        let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return .bytes(n) }
        return Self.blockedOrFailed(errno)
    }

    public func shutdownWrite() {
        guard !closed else { return }
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    public func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }

    private static func blockedOrFailed(_ code: Int32) -> ByteTransportResult {
        code == EAGAIN || code == EWOULDBLOCK || code == EINTR ? .wouldBlock : .failed(errno: code)
    }
}
