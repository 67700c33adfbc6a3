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
    /// `--pin sha256:BASE64`: the server's leaf certificate or its public
    /// key must match one of these. Pins add to chain and name checking;
    /// with `insecureSkipVerify` they are the only check.
    public var pins: [TLSPin] = []
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
