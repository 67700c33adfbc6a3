import Glibc

/// Everything that can go wrong in the TLS layer. Each description says
/// what failed, names the certificate problem, and says what to do; the
/// option names are the client's (`--ca-cert`, `--extra-ca`, `--pin`,
/// `--tls-min`, `--tls-max`, `--no-sni`).
///
/// "depth" counts from the server's own certificate (0) towards the root.
public enum TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Options and files

    /// The server name is neither a host name nor an IP address.
    case invalidServerName(String, reason: String)
    /// A `--pin` value is not `sha256:BASE64` of 32 bytes.
    case invalidPin(String, reason: String)
    /// `--tls-min` is above `--tls-max`.
    case invalidVersionRange(minimum: TLSVersion, maximum: TLSVersion)
    /// OpenSSL's default trust store (the system's CA certificates) could
    /// not be loaded.
    case trustStoreError(detail: String)
    /// A certificate or CA file could not be read or holds no usable
    /// certificate.
    case certificateFileError(path: String, detail: String)
    /// A private key file could not be read, is encrypted, or does not
    /// match the certificate.
    case privateKeyError(path: String, detail: String)
    /// The EAP-TLS client certificate or key (`--client-cert`,
    /// `--client-key`) could not be used.
    case clientIdentityError(path: String, problem: ClientIdentityProblem)
    /// The CRL file (`--eap-crl`) could not be read or holds no CRL.
    case crlFileError(path: String, detail: String)

    // MARK: The server's certificate (client side)

    /// The certificate is not valid for the name we connected to.
    /// `presented`: its DNS and IP subjectAltNames, or its CN when it has no
    /// DNS names (what RFC 6125 matching looks at).
    case hostnameMismatch(expected: String, presented: [String])
    /// The issuer of the certificate at `depth` is neither in the chain the
    /// server sent (`presentedCount` certificates) nor in the trust store:
    /// a missing intermediate, or a CA that is not trusted here.
    case unableToGetIssuer(certificate: String, issuer: String, depth: Int, presentedCount: Int)
    /// The chain ends at a root CA that the trust store does not hold.
    case untrustedIssuer(root: String, depth: Int)
    /// The server's own certificate is self-signed and not trusted.
    case selfSigned(subject: String)
    /// The certificate at `depth` expired.
    case expired(subject: String, notAfter: String, depth: Int)
    /// The certificate at `depth` is not valid yet.
    case notYetValid(subject: String, notBefore: String, depth: Int)
    /// The certificate may not be used by a TLS server (`reason` says why):
    /// the leaf's extended key usage has neither serverAuth nor
    /// anyExtendedKeyUsage (MS-SSTP 3.2.4.1), its key usage forbids TLS, or a
    /// CA in the chain may not issue server certificates.
    case wrongPurpose(subject: String, depth: Int, reason: String)
    /// Neither the certificate nor its public key matches a `--pin`.
    /// `certificate` and `publicKey` are the server's actual pins.
    case pinMismatch(expected: [TLSPin], certificate: TLSPin, publicKey: TLSPin)
    /// A renegotiation presented another certificate than the one verified
    /// at connect (and hashed by the crypto binding): `first` and
    /// `presented` name them, subject and pin.
    case certificateChanged(first: String, presented: String)
    /// Any other reason OpenSSL's chain verification gave (its X509_V_ERR
    /// code and text).
    case certificateRejected(subject: String, depth: Int, code: Int, reason: String)
    /// The authentication server's certificate fails the name rule of
    /// `--eap-verify-method` (`method`): `presented` is what that rule
    /// compared (its common name or its one-line subject).
    case serverNameRuleMismatch(method: String, expected: String, presented: String)

    // MARK: The handshake and the connection

    /// The two sides share no TLS version; `minimum`...`maximum` is what this
    /// side allowed.
    case protocolVersion(minimum: TLSVersion, maximum: TLSVersion, detail: String)
    /// The peer ended the handshake (or the connection) with a fatal alert
    /// (RFC 8446 §6).
    case handshakeAlert(code: Int, description: String)
    /// The server refused the handshake (alert handshake_failure, RFC 5246
    /// §7.2.2) while only forward-secret AEAD suites were offered for
    /// TLS 1.2: most likely an old server with only legacy suites.
    case noForwardSecretCipherSuite
    /// The server does not support secure renegotiation (RFC 5746: no
    /// renegotiation_info in its hello), so a man in the middle could
    /// splice its own data in front of ours through a renegotiation.
    case secureRenegotiationUnsupported
    /// Any other TLS failure, with OpenSSL's reason.
    case protocolError(detail: String)
    /// A TLS 1.2 renegotiation the server started (RFC 5746) failed, for
    /// the reason inside.
    indirect case renegotiationFailed(TLSError)
    /// The TCP connection ended without a TLS close_notify: during the
    /// handshake, or (when false) with data flowing.
    case peerClosed(duringHandshake: Bool)
    /// A socket call failed.
    case syscall(call: String, errno: Int32)
    /// An OpenSSL call that should not fail did.
    case openSSLFailure(call: String, detail: String)
    /// read() or write() before handshake() returned `.done` (a bug in the caller).
    case handshakeNotFinished

    public var description: String {
        switch self {
        case .invalidServerName(let name, let reason):
            "\"\(name)\" is not a usable server name: \(reason). Give a host name or an IP address"
        case .invalidPin(let pin, let reason):
            "\"\(pin)\" is not a usable pin: \(reason). A pin is sha256: followed by the Base64 of a SHA-256 hash "
                + "(44 characters); the error for a wrong pin shows the server's"
        case .invalidVersionRange(let minimum, let maximum):
            "--tls-min \(minimum.number) is above --tls-max \(maximum.number)"
        case .trustStoreError(let detail):
            "the system's CA certificates could not be loaded (\(detail)): install the ca-certificates package, "
                + "or name the CA to trust with --ca-cert FILE"
        case .certificateFileError(let path, let detail):
            "cannot use the certificate file \(path): \(detail). It must be readable and hold PEM certificates "
                + "(-----BEGIN CERTIFICATE-----)"
        case .privateKeyError(let path, let detail):
            "cannot use the private key file \(path): \(detail). It must hold the unencrypted PEM private key "
                + "of the certificate"
        case .clientIdentityError(let path, let problem):
            "cannot use the client certificate or key \(path): \(problem)"
        case .crlFileError(let path, let detail):
            "cannot use the CRL file \(path): \(detail). It must be readable and hold the PEM CRL "
                + "(-----BEGIN X509 CRL-----) of the authentication server's CA"
        case .hostnameMismatch(let expected, let presented):
            "the server's certificate is not valid for \(expected): "
                + (presented.isEmpty
                    ? "it names no host at all. "
                    : "it is for \(presented.joined(separator: ", ")). ")
                + "Connect with a name the certificate lists, or have the certificate reissued with "
                + "\(expected) in its subjectAltName"
        case .unableToGetIssuer(let certificate, let issuer, let depth, let presentedCount):
            Self.issuerMissingText(
                certificate: certificate, issuer: issuer, depth: depth, presentedCount: presentedCount)
        case .untrustedIssuer(let root, let depth):
            "the server's certificate chain ends at the root CA \"\(root)\" (depth \(depth)), which is not "
                + "trusted here. If you trust this CA, pass its certificate with --ca-cert FILE"
        case .selfSigned(let subject):
            "the server's certificate \"\(subject)\" is self-signed, so no trusted CA vouches for it. To trust "
                + "exactly this certificate, pass it with --ca-cert FILE or pin it with --pin"
        case .expired(let subject, let notAfter, let depth):
            "\(Self.certificate(subject, depth)) expired on \(notAfter). "
                + "The server's administrator must renew it; check this computer's clock as well"
        case .notYetValid(let subject, let notBefore, let depth):
            "\(Self.certificate(subject, depth)) is not valid before \(notBefore). "
                + "Check this computer's clock, then the certificate's dates"
        case .wrongPurpose(let subject, let depth, let reason):
            "\(Self.certificate(subject, depth)) is not fit for a TLS server: \(reason). "
                + (depth == 0
                    ? "Reissue it with extendedKeyUsage = serverAuth and keyUsage = digitalSignature"
                    : "Reissue the chain with a CA that may issue server certificates")
        case .pinMismatch(let expected, let certificate, let publicKey):
            "the server's certificate matches none of the pins "
                + "(\(expected.map(\.description).joined(separator: ", "))). It has certificate pin "
                + "\(certificate) and public key pin \(publicKey). If the server's certificate was changed "
                + "on purpose, update --pin to one of these; otherwise the connection may be intercepted"
        case .certificateChanged(let first, let presented):
            "the server presented a different certificate, \(presented), than the one verified at connect, "
                + "\(first). The session is bound to the first one, so the connection is dropped: the connection "
                + "may be intercepted, or the server's certificate was replaced while this session ran"
        case .certificateRejected(let subject, let depth, let code, let reason):
            "\(Self.certificate(subject, depth)) was rejected: \(reason) "
                + "(OpenSSL verify error \(code))"
        case .serverNameRuleMismatch(let method, let expected, let presented):
            "the server's certificate does not pass the verify method \(method): it has "
                + (presented.isEmpty ? "no common name" : "\"\(presented)\"") + ", not \"\(expected)\". "
                + "Give --eap-server-name (tls-remotename) what the certificate has, or choose another "
                + "--eap-verify-method (tls-verify-method)"
        case .protocolVersion(let minimum, let maximum, let detail):
            "the two sides share no TLS version: this side allows "
                + (minimum == maximum ? "only \(minimum)" : "\(minimum) to \(maximum)")
                + " (\(detail)). A server that only speaks TLS 1.0 or 1.1 must be upgraded to TLS 1.2; "
                + "otherwise widen --tls-min/--tls-max"
        case .handshakeAlert(let code, let description):
            "the peer ended the TLS connection with the alert \"\(description)\" (\(code))"
                + Self.alertHint(code)
        case .protocolError(let detail):
            "TLS failed: \(detail)"
                + (detail.contains("wrong version number") || detail.contains("packet length too long")
                    ? ". The server did not answer in TLS: check the port, and any HTTP proxy on the way"
                    : "")
        case .noForwardSecretCipherSuite:
            "the server refused the TLS handshake (alert \"handshake failure\" (40)): it shares no cipher suite "
                + "or signature algorithm with this client. For TLS 1.2 this client offers only forward-secret "
                + "suites (ECDHE or DHE with AES-GCM or ChaCha20-Poly1305). If the server is old and offers only "
                + "suites without forward secrecy, such as AES128-SHA, allow them with --tls-legacy-ciphers "
                + "(NetworkManager: vpn.data tls-legacy-ciphers=yes); then anyone who later gets the server's key "
                + "can decrypt recorded sessions, so better enable ECDHE suites or TLS 1.3 on the server. (A server "
                + "that speaks only TLS 1.0 or 1.1 is refused this way too; it must be upgraded to TLS 1.2)"
        case .secureRenegotiationUnsupported:
            "the server does not support secure TLS renegotiation (RFC 5746), which lets a man in the middle "
                + "inject data into the connection; this client refuses such servers. The server's TLS software "
                + "must be updated"
        case .renegotiationFailed(let reason):
            "the server's TLS renegotiation failed: \(reason)"
        case .peerClosed(let duringHandshake):
            duringHandshake
                ? "the peer closed the connection during the TLS handshake without saying why: it may not speak "
                    + "TLS on this port, may refuse the SNI name or TLS version, or something on the way cut it"
                : "the peer closed the TCP connection without a TLS close_notify"
        case .syscall(let call, let code):
            "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .openSSLFailure(let call, let detail):
            "OpenSSL \(call) failed (\(detail))"
        case .handshakeNotFinished:
            "TLS read or write before the handshake finished (a bug in the caller)"
        }
    }

    /// `the server's certificate "CN=x"` or `the CA certificate "CN=y" (depth 1
    /// of the server's chain)`.
    private static func certificate(_ subject: String, _ depth: Int) -> String {
        depth == 0
            ? "the server's certificate \"\(subject)\""
            : "the CA certificate \"\(subject)\" (depth \(depth) of the server's chain)"
    }

    private static func issuerMissingText(
        certificate: String, issuer: String, depth: Int, presentedCount: Int
    ) -> String {
        let head =
            "\(Self.certificate(certificate, depth)) is issued by \"\(issuer)\", which the server "
            + "did not send and the trust store does not hold. "
        if presentedCount == 1 {
            return head
                + "The server sends no intermediate certificates (common on MikroTik): if \"\(issuer)\" "
                + "is an intermediate CA, pass it with --extra-ca FILE (or install it on the server); "
                + "if it is your own root CA, pass it with --ca-cert FILE"
        }
        return head
            + "If you trust \"\(issuer)\", pass its certificate with --ca-cert FILE; if it is a missing "
            + "intermediate, add it with --extra-ca FILE"
    }

    private static func alertHint(_ code: Int) -> String {
        switch code {
        case 40:
            ": no cipher suite or signature algorithm in common. Check the server's TLS settings"
        case 112:
            ": the server does not know the name sent as SNI. Check the server name, or try --no-sni"
        case 116:
            ": the server wants a client certificate, which SSTP does not use"
        case 42, 43, 44, 45, 46, 48, 49:
            ": the peer refused our certificate or credentials"
        case 80:
            ": the peer had an internal error. Check its logs"
        default:
            ""
        }
    }
}

extension TLSVersion {
    /// "1.2", as the options spell it.
    var number: String {
        switch self {
        case .tls12: "1.2"
        case .tls13: "1.3"
        }
    }
}
