import CSSTPOpenSSL

/// What client and server contexts share: creation, the version range and
/// the I/O modes `TLSConnection` relies on.
enum SSLContextSetup {
    /// TLS 1.2 suites with forward secrecy (ECDHE or DHE key exchange) and
    /// AEAD encryption (AES-GCM, ChaCha20-Poly1305), in OpenSSL's order;
    /// no PSK, no anonymous ones. TLS 1.3 suites are set apart
    /// (SSL_CTX_set_ciphersuites) and stay OpenSSL's defaults.
    static let forwardSecretTLS12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!PSK:!aNULL"

    /// Sets the TLS 1.2 cipher list.
    static func setTLS12Ciphers(_ ctx: OpaquePointer, _ list: String) throws(TLSError) {
        guard SSL_CTX_set_cipher_list(ctx, list) == 1 else {
            throw .openSSLFailure(call: "SSL_CTX_set_cipher_list", detail: lastOpenSSLError())
        }
    }

    /// A new SSL_CTX for `method` with the shared settings, then the
    /// caller's own (`configure`); freed again if anything fails.
    static func make(
        _ method: OpaquePointer?, minVersion: TLSVersion, maxVersion: TLSVersion,
        configure: (OpaquePointer) throws(TLSError) -> Void
    ) throws(TLSError) -> OpaquePointer {
        guard let ctx = SSL_CTX_new(method) else {
            throw .openSSLFailure(call: "SSL_CTX_new", detail: lastOpenSSLError())
        }
        do {
            try apply(to: ctx, minVersion: minVersion, maxVersion: maxVersion)
            try configure(ctx)
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        return ctx
    }

    private static func apply(to ctx: OpaquePointer, minVersion: TLSVersion, maxVersion: TLSVersion)
        throws(TLSError)
    {
        guard minVersion <= maxVersion else {
            throw .invalidVersionRange(minimum: minVersion, maximum: maxVersion)
        }
        guard csstp_ssl_ctx_set_proto_versions(ctx, minVersion.openSSLValue, maxVersion.openSSLValue) == 1
        else {
            throw .openSSLFailure(call: "SSL_CTX_set_min/max_proto_version", detail: lastOpenSSLError())
        }
        // ENABLE_PARTIAL_WRITE: a write of more than one record returns after
        // each record, so the caller sees progress; a write of at most 16 KiB
        // is one record and stays all-or-nothing. ACCEPT_MOVING_WRITE_BUFFER:
        // a retried write may come from another address (the caller's batch
        // buffer may move), as long as the bytes are the same.
        let modes = Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        guard csstp_ssl_ctx_set_mode(ctx, modes) & modes == modes else {
            throw .openSSLFailure(call: "SSL_CTX_set_mode", detail: lastOpenSSLError())
        }
        // Read-ahead: OpenSSL reads what the socket holds, up to 64 KiB,
        // instead of a 5-byte header and then the body, so a record costs
        // one read(2) and a burst of records fewer. The buffered bytes are
        // invisible to epoll; TLSStream reads until OpenSSL wants more
        // (after the handshake too), so nothing waits in that buffer.
        csstp_ssl_ctx_set_read_ahead(ctx, 65536)
        // TLS 1.2 renegotiation only the secure way (RFC 5746): servers and
        // middleboxes re-key long sessions with it, and the Windows client
        // accepts it. Without the legacy options OpenSSL refuses a server
        // that lacks RFC 5746 at connect, so an insecure renegotiation can
        // never start. A server (ours) refuses renegotiations its client
        // starts.
        csstp_ssl_ctx_secure_renegotiation_only(ctx)
    }
}
