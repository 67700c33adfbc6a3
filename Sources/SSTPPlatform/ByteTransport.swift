/// The byte-transport seam: the stream TLS runs on, in the manner of a
/// connection binding: a descriptor the event loop polls, non-blocking
/// reads and writes, a half-close and a close. `SocketByteTransport` is the
/// real one (a connected TCP socket, after any proxy CONNECT);
/// `MemoryByteTransport` is an in-memory pair for tests.
///
/// Contract: `fd` is readable (level-triggered) while bytes, an end of
/// stream or a reset wait, and writable while a write may take bytes.
/// Neither call blocks. A write may take fewer bytes than offered (the
/// caller writes the rest later). After `close` the transport is unusable.
public protocol ByteTransport: AnyObject {
    var fd: Int32 { get }
    /// The connected kernel socket under the transport, when there is one
    /// (OpenSSL can then drive it directly); nil for other transports.
    var kernelSocket: Int32? { get }
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ByteTransportResult
    func write(_ bytes: UnsafeRawBufferPointer) -> ByteTransportResult
    /// No more bytes go out (the peer's reads see the end of the stream).
    func shutdownWrite()
    /// Releases the descriptor; the peer sees the end of the stream.
    func close()
}

/// What one read or write on a ByteTransport did.
public enum ByteTransportResult: Equatable, Sendable {
    /// This many bytes (more than 0) were read or taken for writing.
    case bytes(Int)
    /// Nothing now: wait for the descriptor's readiness.
    case wouldBlock
    /// The peer closed its side: no more bytes come (reads only).
    case endOfStream
    /// The transport failed (ECONNRESET, EPIPE, ...).
    case failed(errno: Int32)
}
