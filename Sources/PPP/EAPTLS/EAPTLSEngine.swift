/// The TLS protocol version a handshake settled on.
public enum EAPTLSVersion: Hashable, Sendable {
    /// TLS 1.0-1.2: keys from the PRF (RFC 5216 §2.3).
    case tls12OrEarlier
    /// TLS 1.3: keys from the TLS-Exporter (RFC 9190 §2.3).
    case tls13
}

/// Why the TLS engine gave up, in terms the user can act on.
public enum EAPTLSEngineFailureKind: Hashable, Sendable {
    /// The server's certificate did not verify against the EAP CA or name.
    case serverCertificateUntrusted
    /// The server refused our certificate (a TLS alert from it).
    case clientCertificateRejected
    /// Any other handshake failure.
    case handshakeFailed
    /// Keying material could not be exported.
    case exportFailed
}

/// A failure of the TLS engine. `alert` holds TLS bytes to send the other
/// side before giving up (RFC 5216 §2.1.3: a peer that cannot authenticate
/// the server SHOULD send an EAP-Response with a TLS alert), possibly empty.
public struct EAPTLSEngineFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var kind: EAPTLSEngineFailureKind
    public var detail: String
    public var alert: [UInt8]

    public init(kind: EAPTLSEngineFailureKind, detail: String, alert: [UInt8] = []) {
        self.kind = kind
        self.detail = detail
        self.alert = alert
    }

    public var description: String { detail }
}

/// The TLS library as the EAP-TLS and PEAP methods see it: bytes in, bytes
/// out, no I/O of its own (OpenSSL over a memory BIO in production, a
/// scripted fake in tests). The method owns all EAP framing; the engine
/// only ever sees whole TLS messages.
public protocol EAPTLSEngine: Sendable {
    /// Starts the handshake and returns the first flight (ClientHello for
    /// a client, empty for a server, which waits for it).
    mutating func startHandshake() throws(EAPTLSEngineFailure) -> [UInt8]

    /// Feeds TLS bytes received from the other side; returns the TLS bytes
    /// to send back (possibly empty).
    mutating func receive(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8]

    /// True once both Finished messages have been exchanged.
    var isHandshakeComplete: Bool { get }

    /// The version negotiated, once the ServerHello is in.
    var negotiatedVersion: EAPTLSVersion? { get }

    /// Application data decrypted since the last call (the TLS 1.3
    /// commitment message, or PEAP's inner EAP packets).
    mutating func takeApplicationData() -> [UInt8]

    /// True once the other side sent close_notify.
    var receivedCloseNotify: Bool { get }

    /// Encrypts application data (PEAP's inner EAP) into TLS records.
    mutating func sendApplicationData(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8]

    /// The TLS keying material exporter: RFC 5705 for TLS 1.2 (with a nil
    /// context the PRF over client_random || server_random, the form
    /// RFC 5216 §2.3 uses), RFC 8446 §7.5 for TLS 1.3.
    func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) throws(EAPTLSEngineFailure)
        -> [UInt8]
}
