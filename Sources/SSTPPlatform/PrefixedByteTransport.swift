/// A ByteTransport whose first reads return bytes a lower layer already
/// read from it: what a proxy sent after its CONNECT response belongs to
/// TLS. Writes, the half-close and the close go to the transport under it,
/// which it owns.
///
/// Its descriptor is the lower transport's, so readiness reflects only the
/// bytes still in the kernel; the prefix suits a reader that reads until
/// would-block before it waits (TLS does: OpenSSL reads until its BIO says
/// retry). It has no `kernelSocket` while a prefix is left at the time it
/// is made, so TLS reads through the transport BIO and sees the prefix.
public final class PrefixedByteTransport: ByteTransport {
    public let lower: any ByteTransport
    private var prefix: [UInt8]
    private var head = 0

    public init(prefix: [UInt8], lower: any ByteTransport) {
        self.prefix = prefix
        self.lower = lower
    }

    public var fd: Int32 { lower.fd }
    /// Nil: the prefix must go through `read`, which a kernel socket
    /// handed to OpenSSL would bypass.
    public var kernelSocket: Int32? { nil }
    /// Bytes of the prefix not yet read.
    public var prefixLeft: Int { prefix.count - head }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ByteTransportResult {
        guard prefixLeft > 0 else { return lower.read(into: buffer) }
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return .wouldBlock }
        let n = min(prefixLeft, buffer.count)
        prefix.withUnsafeBytes { source in
            guard let from = source.baseAddress else { return }
            base.copyMemory(from: from + head, byteCount: n)
        }
        head += n
        if head == prefix.count {
            prefix = []
            head = 0
        }
        return .bytes(n)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> ByteTransportResult {
        lower.write(bytes)
    }

    public func shutdownWrite() {
        lower.shutdownWrite()
    }

    public func close() {
        prefix = []
        head = 0
        lower.close()
    }
}
