import CSSTPOpenSSL

/// The server side (the bundled test server): a certificate chain and its
/// key, shared by every accepted connection. No client certificates are
/// asked for (MS-SSTP App. A <1>: Windows does not use them).
///
/// Immutable after init; OpenSSL allows SSL_new on one SSL_CTX from several
/// threads, hence `@unchecked Sendable`.
public final class TLSServerContext: @unchecked Sendable {
    /// The server's own certificate (the leaf) in DER: the certificate the
    /// client's crypto binding hashes (MS-SSTP 3.2.5.2.2), so the server
    /// checks the client's Cert Hash against this.
    public let localCertificateDER: [UInt8]
    public let minVersion: TLSVersion
    public let maxVersion: TLSVersion
    private let ctx: OpaquePointer

    /// - Parameters:
    ///   - certificateChainFile: PEM, the server's certificate first, then
    ///     the intermediates to send.
    ///   - privateKeyFile: the PEM private key of that certificate,
    ///     unencrypted.
    public init(
        certificateChainFile: String, privateKeyFile: String,
        minVersion: TLSVersion = .tls12, maxVersion: TLSVersion = .tls13
    ) throws(TLSError) {
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        var leaf: [UInt8] = []
        ctx = try SSLContextSetup.make(TLS_server_method(), minVersion: minVersion, maxVersion: maxVersion) {
            ctx throws(TLSError) in
            leaf = try Self.loadIdentity(ctx, chain: certificateChainFile, key: privateKeyFile)
            // A renegotiation (`TLSConnection.rekey`) is a full handshake:
            // new master secret, and the client checks the certificate again.
            csstp_ssl_ctx_full_renegotiation(ctx)
            // The same forward-secret AEAD suites as the client (ECDHE
            // with EC and RSA keys; DHE only with DH parameters, not set).
            try SSLContextSetup.setTLS12Ciphers(ctx, SSLContextSetup.forwardSecretTLS12Ciphers)
        }
        localCertificateDER = leaf
    }

    deinit {
        SSL_CTX_free(ctx)
    }

    private static func loadIdentity(_ ctx: OpaquePointer, chain: String, key: String) throws(TLSError)
        -> [UInt8]
    {
        guard SSL_CTX_use_certificate_chain_file(ctx, chain) == 1 else {
            throw .certificateFileError(path: chain, detail: lastOpenSSLError())
        }
        let mismatch = "it does not belong to the certificate in \(chain)"
        guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
            let error = OpenSSLError.pop()
            let isMismatch =
                error.library == ERR_LIB_X509
                && (error.reason == X509_R_KEY_VALUES_MISMATCH || error.reason == X509_R_KEY_TYPE_MISMATCH)
            throw .privateKeyError(path: key, detail: isMismatch ? mismatch : error.text)
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            _ = OpenSSLError.pop()
            throw .privateKeyError(path: key, detail: mismatch)
        }
        guard let leaf = SSL_CTX_get0_certificate(ctx), let der = X509Text.der(leaf) else {
            throw .certificateFileError(path: chain, detail: "no certificate could be encoded")
        }
        return der
    }

    /// Starts a server connection over `socket`, an accepted non-blocking
    /// TCP socket. The connection does not own the socket. Drive the
    /// handshake with `TLSConnection.handshake()`.
    public func accept(socket: Int32) throws(TLSError) -> TLSConnection {
        try accept(over: .socket(socket))
    }

    /// Starts a server connection over memory (see TLSMemoryTransport).
    public func acceptInMemory() throws(TLSError) -> TLSConnection {
        try accept(over: .memory)
    }

    func accept(over carrier: TLSCarrier) throws(TLSError) -> TLSConnection {
        guard let ssl = SSL_new(ctx) else {
            throw .openSSLFailure(call: "SSL_new", detail: lastOpenSSLError())
        }
        let connection = TLSConnection(
            ssl: ssl, socket: carrier.socket, role: .server, verifier: nil, versions: minVersion...maxVersion)
        try carrier.attach(ssl, to: connection)
        SSL_set_accept_state(ssl)
        return connection
    }
}
