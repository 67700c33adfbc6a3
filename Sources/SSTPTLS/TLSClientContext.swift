import CSSTPOpenSSL

/// A client configuration turned into an OpenSSL context: the trust store
/// is loaded once and shared by every connection (reconnects included).
///
/// Immutable after init; OpenSSL allows SSL_new on one SSL_CTX from several
/// threads, hence `@unchecked Sendable`.
public final class TLSClientContext: @unchecked Sendable {
    public let configuration: TLSClientConfiguration
    let peerName: TLSPeerName
    private let ctx: OpaquePointer

    public convenience init(_ configuration: TLSClientConfiguration) throws(TLSError) {
        try self.init(configuration, systemTrust: .current)
    }

    /// With `systemTrust` standing for the system's store (tests point it
    /// at a directory of their own).
    init(_ configuration: TLSClientConfiguration, systemTrust: SystemTrustStore) throws(TLSError) {
        self.configuration = configuration
        peerName = try TLSPeerName(parsing: configuration.serverName)
        ctx = try SSLContextSetup.make(
            TLS_client_method(), minVersion: configuration.minVersion, maxVersion: configuration.maxVersion
        ) { ctx throws(TLSError) in try Self.configure(ctx, configuration, systemTrust: systemTrust) }
    }

    deinit {
        SSL_CTX_free(ctx)
    }

    private static func configure(
        _ ctx: OpaquePointer, _ configuration: TLSClientConfiguration, systemTrust: SystemTrustStore
    ) throws(TLSError) {
        switch configuration.trust {
        case .system:
            try systemTrust.load(into: ctx)
        case .caFile(let path):
            try loadCAFile(ctx, path)
        }
        if let extra = configuration.extraCAFile {
            try loadCAFile(ctx, extra)
        }
        // serverAuth EKU on the leaf (MS-SSTP 3.2.4.1); OpenSSL also checks
        // that each CA may issue server certificates.
        guard SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) == 1 else {
            throw .openSSLFailure(call: "SSL_CTX_set_purpose", detail: lastOpenSSLError())
        }
        CertificateVerifier.install(on: ctx)
        // Forward-secret AEAD suites only, unless asked for the legacy list
        // (OpenSSL's default, with RSA key exchange and CBC suites).
        try SSLContextSetup.setTLS12Ciphers(
            ctx, configuration.legacyCipherSuites ? "DEFAULT" : SSLContextSetup.forwardSecretTLS12Ciphers)
    }

    private static func loadCAFile(_ ctx: OpaquePointer, _ path: String) throws(TLSError) {
        guard SSL_CTX_load_verify_file(ctx, path) == 1 else {
            throw .certificateFileError(path: path, detail: lastOpenSSLError())
        }
    }

    /// Starts a client connection over `socket`, a connected non-blocking
    /// TCP socket. The connection does not own the socket: the caller
    /// closes it after the connection is gone. Drive the handshake with
    /// `TLSConnection.handshake()`.
    public func connect(socket: Int32) throws(TLSError) -> TLSConnection {
        try connect(over: .socket(socket))
    }

    /// Starts a client connection over memory (see TLSMemoryTransport):
    /// the same checks as over a socket, the records through
    /// `feedCiphertext` / `drainCiphertext`.
    public func connectInMemory() throws(TLSError) -> TLSConnection {
        try connect(over: .memory)
    }

    func connect(over carrier: TLSCarrier) throws(TLSError) -> TLSConnection {
        let verifier = CertificateVerifier(
            peerName: peerName, pins: configuration.pins,
            insecureSkipVerify: configuration.insecureSkipVerify)
        guard let ssl = SSL_new(ctx) else {
            throw .openSSLFailure(call: "SSL_new", detail: lastOpenSSLError())
        }
        // From here the connection owns `ssl` and frees it, even on failure.
        let connection = TLSConnection(
            ssl: ssl, socket: carrier.socket, role: .client, verifier: verifier,
            versions: configuration.minVersion...configuration.maxVersion,
            legacyCipherSuites: configuration.legacyCipherSuites)
        try carrier.attach(ssl, to: connection)
        SSL_set_connect_state(ssl)
        guard verifier.attach(to: ssl) else {
            throw .openSSLFailure(call: "SSL_set_ex_data", detail: lastOpenSSLError())
        }
        guard let param = SSL_get0_param(ssl) else {
            throw .openSSLFailure(call: "SSL_get0_param", detail: lastOpenSSLError())
        }
        X509_VERIFY_PARAM_set_hostflags(param, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        switch peerName {
        case .host(let name):
            guard X509_VERIFY_PARAM_set1_host(param, name, 0) == 1 else {
                throw .openSSLFailure(call: "X509_VERIFY_PARAM_set1_host", detail: lastOpenSSLError())
            }
            if configuration.sni {
                guard csstp_ssl_set_server_name(ssl, name) == 1 else {
                    throw .openSSLFailure(call: "SSL_set_tlsext_host_name", detail: lastOpenSSLError())
                }
            }
        case .ipAddress(let address):
            guard X509_VERIFY_PARAM_set1_ip_asc(param, address) == 1 else {
                throw .openSSLFailure(call: "X509_VERIFY_PARAM_set1_ip_asc", detail: lastOpenSSLError())
            }
        }
        return connection
    }
}
