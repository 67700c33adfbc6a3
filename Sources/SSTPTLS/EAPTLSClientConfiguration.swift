/// Where the EAP-TLS client certificate and its key come from.
public enum EAPTLSClientIdentity: Hashable, Sendable {
    /// A PEM certificate file (the certificate first, then intermediates to
    /// send) and a PEM private key file, the key optionally encrypted.
    case pem(certificateFile: String, keyFile: String)
    /// A PKCS#12 bundle (RFC 7292): key, certificate and intermediates,
    /// protected by the passphrase.
    case pkcs12(file: String)
}

/// What can be wrong with the client identity, for the user to act on.
public enum ClientIdentityProblem: Hashable, Sendable, CustomStringConvertible {
    /// The key is encrypted and no passphrase was given.
    case passphraseRequired
    /// The passphrase did not decrypt the key (or the PKCS#12 MAC).
    case wrongPassphrase
    /// The file is missing, unreadable or not of the expected format.
    case unreadable(String)
    /// The key does not belong to the certificate.
    case keyMismatch

    public var description: String {
        switch self {
        case .passphraseRequired:
            "the key is encrypted: give its passphrase with --client-key-password-file"
        case .wrongPassphrase:
            "the key passphrase is wrong"
        case .unreadable(let detail):
            "\(detail). It must be a readable PEM certificate and key, or a PKCS#12 file"
        case .keyMismatch:
            "the key does not belong to the certificate"
        }
    }
}

/// How the EAP-TLS or PEAP peer checks the authentication server (the
/// RADIUS server's certificate, inside PPP), separately from the outer SSTP
/// server's certificate: its own CA, its own expected name
/// (NetworkManager-sstp's tls-ca-cert and tls-remotename).
public struct EAPTLSClientConfiguration: Sendable {
    /// The CA certificates (PEM) the authentication server's chain must
    /// end in; nil: the system store.
    public var caFile: String?
    /// The name the server's certificate must be valid for (RFC 6125 host
    /// name or IP address check, as for the outer server); nil: the chain
    /// alone is checked.
    public var serverName: String?
    /// Our certificate: required by EAP-TLS, nil for PEAP.
    public var identity: EAPTLSClientIdentity?
    /// The key's passphrase, a secret like the password: never logged,
    /// never in argv or the environment.
    public var keyPassphrase: [UInt8]?
    public var minVersion = TLSVersion.tls12
    public var maxVersion = TLSVersion.tls13
    /// How `serverName` is compared (network-manager-sstp's
    /// tls-verify-method: none, name, subject, suffix); nil: as a host name.
    /// See `EAPServerNameRule`.
    public var verifyMethod: String?
    /// The server's certificate must list serverAuth in its extended key
    /// usage (network-manager-sstp's tls-verify-key-usage).
    public var requireServerAuthUsage = false
    /// PEM CRLs: the server's certificate must not be revoked by its
    /// issuer's CRL, which must be in this file (X509_V_FLAG_CRL_CHECK).
    public var crlFile: String?

    public init(caFile: String? = nil, serverName: String? = nil, identity: EAPTLSClientIdentity? = nil) {
        self.caFile = caFile
        self.serverName = serverName
        self.identity = identity
    }
}

extension EAPTLSClientConfiguration: CustomStringConvertible {
    /// Everything but the passphrase.
    public var description: String {
        "EAPTLSClientConfiguration(caFile: \(caFile ?? "system"), serverName: \(serverName ?? "none"), "
            + "verifyMethod: \(verifyMethod ?? "host"), crlFile: \(crlFile ?? "none"), "
            + "identity: \(identity.map { "\($0)" } ?? "none"), passphrase: "
            + (keyPassphrase == nil ? "none" : "set") + ")"
    }
}
