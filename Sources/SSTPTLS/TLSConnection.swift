import CSSTPOpenSSL
import Glibc

/// One TLS connection over a connected non-blocking socket, client or
/// server, for an epoll loop. Every call returns at once: `.wantRead` /
/// `.wantWrite` say which readiness to wait for before calling again.
///
/// Single-threaded: one thread (the event loop) drives a connection; the
/// type is deliberately not Sendable. The socket stays the caller's: close
/// it after dropping the connection. Writing to a socket whose peer is gone
/// raises SIGPIPE, so the process must ignore SIGPIPE.
///
/// Steady-state reads and writes do not allocate: they pass the caller's
/// buffer straight to SSL_read_ex / SSL_write_ex and return a payload-only
/// enum. Errors are sticky: after one is thrown, every call throws it again.
public final class TLSConnection {
    public enum Role: Hashable, Sendable {
        case client
        case server
    }

    /// The largest plaintext of one TLS record (RFC 8446 §5.1). A write of
    /// at most this many bytes goes out as exactly one record.
    public static let maxRecordPayload = 16384

    public let role: Role
    /// The socket the connection runs over (not owned); -1 over memory or
    /// a ByteTransport that is no kernel socket.
    public let socket: Int32

    /// The server's leaf certificate in DER, set when a client handshake
    /// finishes: exactly the certificate the chain, name and pin checks
    /// looked at, so the crypto binding (MS-SSTP 3.2.5.2.2) hashes the
    /// certificate TLS verified. Nil on the server side and before the
    /// handshake finishes.
    public private(set) var peerCertificateDER: [UInt8]?

    /// The client's verification outcome, set when its handshake finishes.
    public private(set) var verification: TLSVerification?

    let ssl: OpaquePointer
    private let verifier: CertificateVerifier?
    private let versions: ClosedRange<TLSVersion>
    /// Client: whether the legacy TLS 1.2 suites were offered (nil on the
    /// server), for what a handshake_failure alert most likely means.
    private let legacyCipherSuites: Bool?
    private var handshakeFinished = false
    /// The last write returned wantWrite: part of a record may wait in
    /// OpenSSL's write buffer.
    private var writePendingRecord = false
    /// `rekey` on TLS 1.3 met a half-written record: the KeyUpdate is asked
    /// for once that write is done.
    private var keyUpdateDeferred = false
    private var failure: TLSError?
    /// Over memory (`TLSClientContext.connectInMemory`,
    /// `TLSServerContext.acceptInMemory`): the application's end of the BIO
    /// pair, where ciphertext goes in and comes out. Nil over a socket.
    var memoryEnd: OpaquePointer?
    /// Over a ByteTransport (`TLSTransportBIO`): what the BIO's callbacks
    /// reach, kept alive as long as the SSL.
    var transportContext: TransportBIOContext?

    /// Takes ownership of `ssl`.
    init(
        ssl: OpaquePointer, socket: Int32, role: Role, verifier: CertificateVerifier?,
        versions: ClosedRange<TLSVersion>, legacyCipherSuites: Bool? = nil
    ) {
        self.ssl = ssl
        self.socket = socket
        self.role = role
        self.verifier = verifier
        self.versions = versions
        self.legacyCipherSuites = legacyCipherSuites
    }

    deinit {
        SSL_free(ssl)
        if let memoryEnd { BIO_free(memoryEnd) }
    }

    /// Runs the connection over a BIO pair instead of a socket: `feedCiphertext`
    /// and `drainCiphertext` carry its records (TLS inside another protocol,
    /// or two connections joined in memory). False when OpenSSL refuses.
    func attachMemoryTransport(bufferSize: Int = 65536) -> Bool {
        var inner: OpaquePointer?
        var outer: OpaquePointer?
        guard BIO_new_bio_pair(&inner, bufferSize, &outer, bufferSize) == 1, let inner, let outer else {
            return false
        }
        // The SSL owns `inner` (freed with it); `outer` is ours.
        SSL_set_bio(ssl, inner, inner)
        memoryEnd = outer
        return true
    }

    // MARK: Handshake

    /// Advances the handshake. `.done` once it has finished and, on the
    /// client, the server's certificate has been accepted.
    public func handshake() throws(TLSError) -> TLSProgress {
        if let failure { throw failure }
        if handshakeFinished { return .done }
        clearErrors()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            try finishHandshake()
            return .done
        }
        let code = SSL_get_error(ssl, result)
        let savedErrno = errno
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            if code == SSL_ERROR_SSL, let verifierFailure = verifier?.handshakeFailure {
                clearErrors()
                throw fail(verifierFailure)
            }
            throw fail(error(code, errno: savedErrno, call: "SSL_do_handshake", duringHandshake: true))
        }
    }

    private func finishHandshake() throws(TLSError) {
        guard role == .client else {
            handshakeFinished = true
            return
        }
        guard let verifier, let der = verifier.leafDER,
            let sessionLeaf = SSL_get0_peer_certificate(ssl), X509Text.der(sessionLeaf) == der
        else {
            // The verify callback did not run on the certificate the session
            // holds (a resumed session, or no certificate): refuse.
            throw fail(.openSSLFailure(call: "certificate verification", detail: "no verified certificate"))
        }
        if verifier.pinMatched {
            verification = .pinned(chainFailure: verifier.chainVerified ? nil : verifier.firstFailure)
        } else if verifier.insecureSkipVerify {
            verification = .skipped(wouldHaveFailed: verifier.firstFailure)
        } else {
            let result = SSL_get_verify_result(ssl)
            guard verifier.chainVerified, result == Int(X509_V_OK) else {
                throw fail(
                    verifier.firstFailure
                        ?? .certificateRejected(
                            subject: verifier.leafSubject ?? "(unknown)", depth: 0, code: result,
                            reason: "verification did not pass"))
            }
            verification = .verified
        }
        peerCertificateDER = der
        handshakeFinished = true
    }

    // MARK: Data

    /// Reads decrypted bytes into `buffer`. After `.bytes`, call again until
    /// `.wantRead`: OpenSSL may hold more (`pending`), which epoll will not
    /// signal. An empty buffer reads nothing.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> TLSIOResult {
        if let failure { throw failure }
        guard handshakeFinished else { throw TLSError.handshakeNotFinished }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        // A server that asked for a renegotiation must not read the
        // client's ClientHello while part of an application record waits in
        // OpenSSL's write buffer: its ServerHello would have to go out behind
        // it, and OpenSSL fails that write ("bad length"). So finish the
        // write first (OpenSSL itself holds a client's renegotiation back
        // the same way).
        if role == .server, writePendingRecord, renegotiationPending {
            return .wantWrite
        }
        clearErrors()
        var count = 0
        let result = SSL_read_ex(ssl, base, buffer.count, &count)
        if result == 1 { return .bytes(count) }
        return try ioOutcome(result, call: "SSL_read_ex")
    }

    /// Encrypts and sends `bytes`. At most `maxRecordPayload` bytes go out
    /// as one TLS record, all or nothing: `.bytes(bytes.count)`, or a
    /// `.wantWrite` / `.wantRead` after which the caller must call again
    /// with the same bytes (their address may change). So batch SSTP
    /// packets into one buffer of up to 16 KiB and write it once. A larger
    /// buffer is cut into records and `.bytes(n)` may report fewer bytes
    /// (whole records); write the rest next. An empty buffer writes nothing.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(TLSError) -> TLSIOResult {
        if let failure { throw failure }
        guard handshakeFinished else { throw TLSError.handshakeNotFinished }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .bytes(0) }
        // A client lets reads carry a renegotiation the server asked for:
        // a write would run that handshake too, and OpenSSL fails a write
        // that meets the server's application data sent before it saw our
        // ClientHello ("unexpected record"), where a read takes it. So no
        // new write until the renegotiation is done (a write that blocked
        // must still be finished: OpenSSL waits for it before starting).
        if role == .client, !writePendingRecord, SSL_renegotiate_pending(ssl) == 1 {
            return .wantRead
        }
        clearErrors()
        var count = 0
        let result = SSL_write_ex(ssl, base, bytes.count, &count)
        if result == 1 {
            writePendingRecord = false
            if keyUpdateDeferred { try requestKeyUpdate() }
            return .bytes(count)
        }
        let outcome = try ioOutcome(result, call: "SSL_write_ex")
        writePendingRecord = outcome == .wantWrite
        return outcome
    }

    /// A read or write may carry a TLS 1.2 renegotiation the server started
    /// (OpenSSL runs its handshake inside SSL_read / SSL_write; either may
    /// then want the other readiness). A failure while one is under way is
    /// reported as its failure.
    private func ioOutcome(_ result: Int32, call: String) throws(TLSError) -> TLSIOResult {
        let code = SSL_get_error(ssl, result)
        let savedErrno = errno
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        default:
            let renegotiating = renegotiationPending
            let reason: TLSError
            if code == SSL_ERROR_SSL, let verifierFailure = verifier?.handshakeFailure {
                clearErrors()
                reason = verifierFailure
            } else {
                let mapped = error(code, errno: savedErrno, call: call, duringHandshake: renegotiating)
                // A cut in the middle of a renegotiation is not the initial
                // handshake's "may not speak TLS on this port".
                reason = mapped == .peerClosed(duringHandshake: true) ? .peerClosed(duringHandshake: false) : mapped
            }
            throw fail(renegotiating ? .renegotiationFailed(reason) : reason)
        }
    }

    /// Decrypted bytes OpenSSL holds that a read returns without touching
    /// the socket.
    public var pending: Int { Int(SSL_pending(ssl)) }

    /// Whether OpenSSL holds any unread data, decrypted or not yet
    /// processed; if so, read before waiting on epoll.
    public var hasPendingData: Bool { SSL_has_pending(ssl) == 1 }

    // MARK: Re-keying

    /// Server side: re-keys the session now. TLS 1.2: a renegotiation
    /// (HelloRequest, RFC 5246 §7.4.1.1), which OpenSSL only does the
    /// secure way (RFC 5746); TLS 1.3: a KeyUpdate that asks the client to
    /// update its keys too (RFC 8446 §4.6.3). Reads and writes carry the
    /// exchange on; `.wantWrite` means a read must be retried when the
    /// socket is writable. Clients do not start renegotiations.
    public func rekey() throws(TLSError) -> TLSProgress {
        if let failure { throw failure }
        guard handshakeFinished else { throw TLSError.handshakeNotFinished }
        guard role == .server else {
            throw TLSError.openSSLFailure(call: "SSL_renegotiate", detail: "only the server re-keys")
        }
        clearErrors()
        if SSL_version(ssl) == TLS1_3_VERSION {
            // OpenSSL refuses a KeyUpdate while part of a record waits to
            // be written ("bad write retry"): then it goes after that write.
            guard !writePendingRecord else {
                keyUpdateDeferred = true
                return .done
            }
            try requestKeyUpdate()
        } else {
            guard SSL_renegotiate(ssl) == 1 else {
                throw fail(.renegotiationFailed(.protocolError(detail: lastOpenSSLError())))
            }
        }
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        let code = SSL_get_error(ssl, result)
        let savedErrno = errno
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            throw fail(
                .renegotiationFailed(error(code, errno: savedErrno, call: "SSL_do_handshake", duringHandshake: true)))
        }
    }

    /// Asks OpenSSL for a KeyUpdate with update_requested (RFC 8446
    /// §4.6.3); the next read or write sends it.
    private func requestKeyUpdate() throws(TLSError) {
        keyUpdateDeferred = false
        guard SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1 else {
            throw fail(.openSSLFailure(call: "SSL_key_update", detail: lastOpenSSLError()))
        }
    }

    /// Server side: the certificate chain and key the next handshake (a
    /// renegotiation) presents. For the test server's fault knob: a client
    /// refuses a renegotiation that changes the certificate.
    public func replaceIdentity(certificateChainFile: String, privateKeyFile: String) throws(TLSError) {
        guard role == .server else {
            throw .openSSLFailure(call: "SSL_use_certificate_chain_file", detail: "only a server has an identity")
        }
        clearErrors()
        guard SSL_use_certificate_chain_file(ssl, certificateChainFile) == 1 else {
            throw .certificateFileError(path: certificateChainFile, detail: lastOpenSSLError())
        }
        guard SSL_use_PrivateKey_file(ssl, privateKeyFile, SSL_FILETYPE_PEM) == 1, SSL_check_private_key(ssl) == 1
        else {
            throw .privateKeyError(path: privateKeyFile, detail: lastOpenSSLError())
        }
    }

    /// A TLS 1.2 renegotiation was asked for (by either side) and has not
    /// finished yet.
    public var renegotiationPending: Bool {
        SSL_version(ssl) != TLS1_3_VERSION && SSL_renegotiate_pending(ssl) == 1
    }

    /// How many TLS 1.2 renegotiations started on this connection.
    public var renegotiations: Int { Int(csstp_ssl_total_renegotiations(ssl)) }

    // MARK: Closing

    /// Sends close_notify. `.done` once it is out; this does not wait for the
    /// peer's close_notify (SSTP ends with its own Call Disconnect exchange,
    /// and RFC 8446 §6.1 lets a side close without waiting). After a failure,
    /// or before the handshake finished, there is nothing to send: `.done`.
    public func shutdown() throws(TLSError) -> TLSProgress {
        guard failure == nil, handshakeFinished else { return .done }
        clearErrors()
        let result = SSL_shutdown(ssl)
        if result >= 0 { return .done }
        let code = SSL_get_error(ssl, result)
        let savedErrno = errno
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default: throw fail(error(code, errno: savedErrno, call: "SSL_shutdown", duringHandshake: false))
        }
    }

    // MARK: Facts about the session

    /// TLS 1.2 or 1.3, once the handshake finished.
    public var negotiatedVersion: TLSVersion? {
        handshakeFinished ? TLSVersion(openSSLVersion: SSL_version(ssl)) : nil
    }

    /// The keying material exporter once the handshake finished: RFC 5705
    /// for TLS 1.2, where a nil context gives PRF(master_secret, label,
    /// client_random || server_random) (RFC 5705 §4), RFC 8446 §7.5 for
    /// TLS 1.3. Nil before the handshake or when OpenSSL refuses.
    public func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) -> [UInt8]? {
        guard handshakeFinished, length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: length)
        let labelBytes = Array(label.utf8)
        let useContext: Int32 = context == nil ? 0 : 1
        let contextBytes = context ?? []
        let result = contextBytes.withUnsafeBufferPointer { bytes in
            SSL_export_keying_material(
                ssl, &out, length, labelBytes.map { CChar(bitPattern: $0) }, labelBytes.count,
                bytes.baseAddress, bytes.count, useContext)
        }
        return result == 1 ? out : nil
    }

    /// OpenSSL's name of the cipher suite, e.g. "TLS_AES_256_GCM_SHA384".
    public var cipherName: String? {
        guard handshakeFinished, let cipher = SSL_get_current_cipher(ssl),
            let name = SSL_CIPHER_get_name(cipher)
        else { return nil }
        return String(cString: name)
    }

    /// Client: the name the certificate was checked against. Server: the
    /// SNI host name the client sent, nil if it sent none.
    public var serverName: String? {
        if let verifier { return verifier.peerName.text }
        guard let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else { return nil }
        return String(cString: name)
    }

    /// The server's pins (certificate and public key), for display or for
    /// `--pin` after a first connect. Client side only.
    public var peerCertificatePin: TLSPin? { verifier?.leafPins?.certificate }
    public var peerPublicKeyPin: TLSPin? { verifier?.leafPins?.publicKey }

    /// With `insecureSkipVerify`: the warning the caller logs on every
    /// connect, naming the certificate and what verification found. Nil when
    /// the certificate was verified.
    public var insecureWarning: String? {
        guard case .skipped(let wouldHaveFailed) = verification else { return nil }
        var text =
            "TLS certificate verification is OFF (--insecure-skip-verify): anyone on the path to "
            + "\(serverName ?? "the server") can read and change this VPN's traffic."
        if let pin = peerCertificatePin {
            text += " The server presented \"\(verifier?.leafSubject ?? "(unknown)")\" (\(pin))."
        }
        if let wouldHaveFailed {
            text += " Verification would have failed: \(wouldHaveFailed)."
        } else {
            text += " Verification would have passed: drop --insecure-skip-verify."
        }
        return text
    }

    // MARK: Errors

    /// SSL_get_error reads this thread's OpenSSL error queue, and errno
    /// tells a socket error from an end of stream: both must start clean.
    private func clearErrors() {
        ERR_clear_error()
        errno = 0
    }

    private func fail(_ error: TLSError) -> TLSError {
        failure = error
        return error
    }

    private func error(_ code: Int32, errno savedErrno: Int32, call: String, duringHandshake: Bool)
        -> TLSError
    {
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return .peerClosed(duringHandshake: duringHandshake)
        case SSL_ERROR_SYSCALL:
            let queued = OpenSSLError.pop()
            if savedErrno != 0 { return .syscall(call: call, errno: savedErrno) }
            if queued.code != 0 { return .protocolError(detail: queued.text) }
            return .peerClosed(duringHandshake: duringHandshake)
        case SSL_ERROR_SSL:
            return queuedError(duringHandshake: duringHandshake)
        default:
            _ = OpenSSLError.pop()
            return .openSSLFailure(call: call, detail: "SSL_get_error returned \(code)")
        }
    }

    /// Maps the reason of OpenSSL's earliest queued error.
    private func queuedError(duringHandshake: Bool) -> TLSError {
        let queued = OpenSSLError.pop()
        guard queued.library == ERR_LIB_SSL else {
            return .protocolError(detail: queued.text.isEmpty ? "no detail" : queued.text)
        }
        let reason = queued.reason
        let alertRange = SSL_AD_REASON_OFFSET..<(SSL_AD_REASON_OFFSET + 256)
        if alertRange.contains(reason) {
            let alert = reason - SSL_AD_REASON_OFFSET
            if alert == SSL_AD_PROTOCOL_VERSION {
                return .protocolVersion(
                    minimum: versions.lowerBound, maximum: versions.upperBound,
                    detail: "the peer answered with alert protocol_version")
            }
            if alert == SSL_AD_HANDSHAKE_FAILURE, duringHandshake, legacyCipherSuites == false,
                versions.lowerBound == .tls12
            {
                // RFC 5246 §7.2.2: no acceptable set of parameters; with only
                // the forward-secret suites offered, an old server's legacy
                // list is the likely cause.
                return .noForwardSecretCipherSuite
            }
            let name = SSL_alert_desc_string_long(alert).map { String(cString: $0) } ?? "unknown"
            return .handshakeAlert(code: Int(alert), description: name)
        }
        switch reason {
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_VERSION_TOO_LOW,
            SSL_R_VERSION_TOO_HIGH:
            return .protocolVersion(
                minimum: versions.lowerBound, maximum: versions.upperBound,
                detail: "the peer offered only versions outside this range")
        case SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED:
            // RFC 5746 §4.1: the client aborts when the server's hello lacks
            // renegotiation_info (the legacy options that would allow it
            // are never set).
            return .secureRenegotiationUnsupported
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return .peerClosed(duringHandshake: duringHandshake)
        default:
            return .protocolError(detail: queued.text)
        }
    }
}
