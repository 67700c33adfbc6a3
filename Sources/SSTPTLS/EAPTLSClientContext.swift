import CSSTPOpenSSL
public import PPP

/// An EAP-TLS / PEAP client configuration turned into an OpenSSL context
/// (trust store, our certificate and key loaded once), making one
/// `OpenSSLEAPTLSEngine` per authentication.
///
/// Immutable after init; OpenSSL allows SSL_new on one SSL_CTX from several
/// threads, hence `@unchecked Sendable`.
public final class EAPTLSClientContext: @unchecked Sendable {
    /// The configuration, without the key passphrase: the key is loaded
    /// once, here, and the passphrase is not kept.
    public let configuration: EAPTLSClientConfiguration
    private let peerName: TLSPeerName?
    private let ctx: OpaquePointer

    public init(_ configuration: EAPTLSClientConfiguration) throws(TLSError) {
        var kept = configuration
        kept.keyPassphrase = nil
        self.configuration = kept
        peerName = try configuration.serverName.map { name throws(TLSError) in try TLSPeerName(parsing: name) }
        ctx = try SSLContextSetup.make(
            TLS_client_method(), minVersion: configuration.minVersion, maxVersion: configuration.maxVersion
        ) { ctx throws(TLSError) in try Self.configure(ctx, configuration) }
    }

    deinit {
        SSL_CTX_free(ctx)
    }

    private static func configure(_ ctx: OpaquePointer, _ configuration: EAPTLSClientConfiguration)
        throws(TLSError)
    {
        if let caFile = configuration.caFile {
            guard SSL_CTX_load_verify_file(ctx, caFile) == 1 else {
                throw .certificateFileError(path: caFile, detail: lastOpenSSLError())
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw .trustStoreError(detail: lastOpenSSLError())
            }
        }
        guard SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) == 1 else {
            throw .openSSLFailure(call: "SSL_CTX_set_purpose", detail: lastOpenSSLError())
        }
        CertificateVerifier.install(on: ctx)
        try SSLContextSetup.setTLS12Ciphers(ctx, SSLContextSetup.forwardSecretTLS12Ciphers)
        if let identity = configuration.identity {
            try ClientIdentityLoader.load(identity, passphrase: configuration.keyPassphrase, into: ctx)
        }
    }

    /// Makes one engine per authentication, for `PPPEAPMethod`.
    public var engineFactory: EAPTLSEngineFactory {
        EAPTLSEngineFactory { () throws(EAPTLSEngineFailure) in
            do throws(TLSError) {
                return AnyEAPTLSEngine(try self.makeEngine())
            } catch {
                throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: error.description)
            }
        }
    }

    /// A fresh engine for one EAP-TLS or PEAP authentication.
    public func makeEngine() throws(TLSError) -> OpenSSLEAPTLSEngine {
        let verifier = CertificateVerifier(
            peerName: peerName ?? .host(""), pins: [], insecureSkipVerify: false)
        guard let ssl = SSL_new(ctx) else {
            throw .openSSLFailure(call: "SSL_new", detail: lastOpenSSLError())
        }
        // From here the connection owns `ssl`.
        let connection = TLSConnection(
            ssl: ssl, socket: -1, role: .client, verifier: verifier,
            versions: configuration.minVersion...configuration.maxVersion, legacyCipherSuites: false)
        guard connection.attachMemoryTransport() else {
            throw .openSSLFailure(call: "BIO_new_bio_pair", detail: lastOpenSSLError())
        }
        SSL_set_connect_state(ssl)
        guard verifier.attach(to: ssl), let param = SSL_get0_param(ssl) else {
            throw .openSSLFailure(call: "SSL_set_ex_data", detail: lastOpenSSLError())
        }
        X509_VERIFY_PARAM_set_hostflags(param, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        switch peerName {
        case .host(let name):
            guard X509_VERIFY_PARAM_set1_host(param, name, 0) == 1 else {
                throw .openSSLFailure(call: "X509_VERIFY_PARAM_set1_host", detail: lastOpenSSLError())
            }
        case .ipAddress(let address):
            guard X509_VERIFY_PARAM_set1_ip_asc(param, address) == 1 else {
                throw .openSSLFailure(call: "X509_VERIFY_PARAM_set1_ip_asc", detail: lastOpenSSLError())
            }
        case nil:
            break
        }
        return OpenSSLEAPTLSEngine(connection: connection)
    }
}
