/// Where a non-blocking handshake or shutdown stands.
public enum TLSProgress: Hashable, Sendable {
    /// Finished.
    case done
    /// Call again when the socket is readable.
    case wantRead
    /// Call again when the socket is writable.
    case wantWrite
}

/// The outcome of one non-blocking read or write.
public enum TLSIOResult: Hashable, Sendable {
    /// This many bytes were read, or written (for a write: all of them,
    /// unless more than one record's worth was given; see
    /// `TLSConnection.write`).
    case bytes(Int)
    /// Nothing now: call again when the socket is readable. A write can ask
    /// for this too (a TLS 1.2 renegotiation the server started: reads carry
    /// it; write again after the next read).
    case wantRead
    /// Nothing now: call again when the socket is writable. A read can ask
    /// for this too.
    case wantWrite
    /// The peer closed TLS in order (close_notify). A TCP close without
    /// close_notify is `TLSError.peerClosed` instead.
    case closed
}
