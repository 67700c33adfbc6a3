import CSSTPOpenSSL

/// TLS over memory: the ciphertext side of a connection made with
/// `TLSClientContext.connectInMemory()` or `TLSServerContext.acceptInMemory()`.
/// The caller moves records between `drainCiphertext` and the other side's
/// `feedCiphertext`, then calls `handshake`, `read` and `write` as over a
/// socket (`.wantRead` then means "feed me").
extension TLSConnection {
    /// True when the connection runs over memory rather than a socket.
    public var isInMemory: Bool { memoryEnd != nil }

    /// Hands received ciphertext to the connection; returns how many bytes
    /// it took (fewer when its buffer is full: drain the plaintext first).
    public func feedCiphertext(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let memoryEnd, let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        let n = BIO_write(memoryEnd, base, Int32(clamping: bytes.count))
        return n > 0 ? Int(n) : 0
    }

    /// Takes the ciphertext the connection has to send; 0 when none waits.
    public func drainCiphertext(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let memoryEnd, let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        let n = BIO_read(memoryEnd, base, Int32(clamping: buffer.count))
        return n > 0 ? Int(n) : 0
    }

    /// Bytes of ciphertext waiting to be drained.
    public var pendingCiphertext: Int {
        guard let memoryEnd else { return 0 }
        return Int(BIO_ctrl_pending(memoryEnd))
    }
}
