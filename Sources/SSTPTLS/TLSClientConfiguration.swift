/// Where the client's trusted CA certificates come from.
public enum TLSTrust: Hashable, Sendable {
    /// The system's store, through OpenSSL's default paths
    /// (/usr/lib/ssl/cert.pem and /usr/lib/ssl/certs on Debian, or
    /// SSL_CERT_FILE / SSL_CERT_DIR when set).
    case system
    /// Only the CA certificates in this PEM file (`--ca-cert FILE`). The
    /// system store is then not consulted: naming a CA means "this server's
    /// certificate comes from this CA", and a public CA that issues a
    /// certificate for the same name must not be able to stand in for it
    /// (curl's --cacert makes the same choice). Use `extraCAFile` to add to
    /// the system store instead.
    case caFile(String)
}

/// How a client checks the server. The defaults are the safe ones: system
/// trust store, SNI, RFC 6125 name check with chain verification, TLS 1.2
/// and 1.3.
public struct TLSClientConfiguration: Hashable, Sendable {
    /// The host name or IP address literal the certificate must be valid
    /// for, and the SNI name (never sent for an IP address, RFC 6066 §3).
    public var serverName: String
    /// Send the server name as SNI. On by default; `--no-sni` for servers
    /// that choke on it.
    public var sni = true
    /// The trust anchors.
    public var trust = TLSTrust.system
    /// More CA certificates (PEM), added to `trust`: intermediates a server
    /// fails to send (MikroTik routers often send only their own
    /// certificate), or extra roots. Roots in this file become trusted; an
    /// intermediate alone still needs its root in the store.
    public var extraCAFile: String?
    /// `--pin sha256:BASE64`: pins on the server's leaf certificate or its
    /// public key. When given, they are the trust decision: a leaf that
    /// matches one is trusted whatever its chain and names (a self-signed
    /// server needs nothing else), and one that matches none is refused.
    public var pins: [TLSPin] = []
    /// `--tls-legacy-ciphers`: offer OpenSSL's default TLS 1.2 cipher list,
    /// suites without forward secrecy or AEAD (AES128-SHA) included, for old
    /// servers. Off: TLS 1.2 offers only ECDHE/DHE with AES-GCM or
    /// ChaCha20-Poly1305. TLS 1.3 suites are the same either way.
    public var legacyCipherSuites = false
    public var minVersion = TLSVersion.tls12
    public var maxVersion = TLSVersion.tls13
    /// No chain, validity, purpose or name check (pins, if any, still
    /// apply). The connection reports `TLSConnection.insecureWarning`,
    /// which the caller must log on every connect.
    public var insecureSkipVerify = false

    public init(serverName: String) {
        self.serverName = serverName
    }
}
