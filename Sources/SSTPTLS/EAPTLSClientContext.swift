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
    /// How the server's certificate must name it, beyond its chain.
    public let nameRule: EAPServerNameRule
    private let peerName: TLSPeerName?
    private let ctx: OpaquePointer

    public init(_ configuration: EAPTLSClientConfiguration) throws(TLSError) {
        var kept = configuration
        kept.keyPassphrase = nil
        self.configuration = kept
        do {
            nameRule = try EAPServerNameRule(method: configuration.verifyMethod, name: configuration.serverName)
        } catch {
            throw .invalidServerName(configuration.serverName ?? "", reason: error.description)
        }
        if case .host(let name) = nameRule {
            peerName = try TLSPeerName(parsing: name)
        } else {
            peerName = nil
        }
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
        if let crlFile = configuration.crlFile {
            try loadCRLs(ctx, crlFile)
        }
        CertificateVerifier.install(on: ctx)
        try SSLContextSetup.setTLS12Ciphers(ctx, SSLContextSetup.forwardSecretTLS12Ciphers)
        if let identity = configuration.identity {
            try ClientIdentityLoader.load(identity, passphrase: configuration.keyPassphrase, into: ctx)
        }
    }

    private static func loadCRLs(_ ctx: OpaquePointer, _ path: String) throws(TLSError) {
        guard let store = SSL_CTX_get_cert_store(ctx), let lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file())
        else {
            throw .openSSLFailure(call: "X509_STORE_add_lookup", detail: lastOpenSSLError())
        }
        guard X509_load_crl_file(lookup, path, X509_FILETYPE_PEM) > 0 else {
            throw .crlFileError(path: path, detail: lastOpenSSLError())
        }
        guard X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK)) == 1 else {
            throw .openSSLFailure(call: "X509_STORE_set_flags", detail: lastOpenSSLError())
        }
    }

    /// What EAP-TLS sends as its Identity when none is configured: our
    /// certificate's emailAddress, else its common name (what
    /// network-manager-sstp's editor stores as tls-subject-name).
    public var certificateIdentity: String? {
        guard let leaf = SSL_CTX_get0_certificate(ctx) else { return nil }
        return X509Text.emailAddress(leaf) ?? X509Text.commonName(leaf)
    }

    /// The checks of a leaf whose chain verified: the name rule other than
    /// a host name (OpenSSL checks that one) and the key usage.
    private static func check(_ leaf: OpaquePointer, rule: EAPServerNameRule, requireServerAuth: Bool) -> TLSError? {
        let commonName = X509Text.commonName(leaf)
        let subjectLine = X509Text.subjectLine(leaf)
        if !rule.matches(commonName: commonName, subjectLine: subjectLine) {
            switch rule {
            case .subject(let expected):
                return .serverNameRuleMismatch(method: rule.method, expected: expected, presented: subjectLine)
            case .commonName(let expected), .commonNameSuffix(let expected):
                return .serverNameRuleMismatch(method: rule.method, expected: expected, presented: commonName ?? "")
            case .chainOnly, .host:
                break
            }
        }
        // X509_get_extended_key_usage gives UINT32_MAX when there is no EKU.
        let usage = X509_get_extended_key_usage(leaf)
        if requireServerAuth, usage == UInt32.max || usage & UInt32(XKU_SSL_SERVER) == 0 {
            return .wrongPurpose(
                subject: X509Text.subject(leaf), depth: 0,
                reason: "its extended key usage does not list serverAuth, which --eap-verify-key-usage "
                    + "(tls-verify-key-usage) requires")
        }
        return nil
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
        let rule = nameRule
        let requireServerAuth = configuration.requireServerAuthUsage
        if rule != .chainOnly || requireServerAuth {
            verifier.leafCheck = { leaf in Self.check(leaf, rule: rule, requireServerAuth: requireServerAuth) }
        }
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
