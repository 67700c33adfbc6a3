public import PPP
public import SSTPCrypto
public import SSTPPlatform

/// Where the test server relays EAP (RFC 3579), as RRAS does with NPS:
/// `--radius`, `--radius-secret-file`, `--nas-identifier`.
public struct RADIUSSettings: Sendable, Hashable, CustomStringConvertible {
    public var server: SocketAddress
    /// The shared secret (RFC 2865 §3), read from a file.
    public var secret: [UInt8]
    /// NAS-Identifier (RFC 2865 §5.32), how the RADIUS server names us.
    public var nasIdentifier: String
    /// Which MSK bytes form the HLAK the crypto binding is checked with.
    public var keyLayout: HigherLayerAuthenticationKey.EAPKeyLayout
    /// RFC 2865 §2.4-§2.5 leave retransmission to the NAS: each
    /// Access-Request is sent `attempts` times, this far apart.
    public var retransmitInterval: Duration
    public var attempts: Int

    public init(
        server: SocketAddress, secret: [UInt8], nasIdentifier: String = "sstp-test-server",
        keyLayout: HigherLayerAuthenticationKey.EAPKeyLayout = .masterSessionKey,
        retransmitInterval: Duration = .seconds(3), attempts: Int = 3
    ) {
        self.server = server
        self.secret = secret
        self.nasIdentifier = nasIdentifier
        self.keyLayout = keyLayout
        self.retransmitInterval = retransmitInterval
        self.attempts = attempts
    }

    /// For PPP's messages: "the RADIUS server 10.0.0.1:1812".
    public var name: String { "the RADIUS server \(server)" }

    public var passThrough: EAPPassThrough { EAPPassThrough(keyLayout: keyLayout, serverName: name) }

    /// Never shows the secret.
    public var description: String {
        "RADIUS \(server) as NAS \(nasIdentifier), \(attempts) attempts \(retransmitInterval) apart"
    }
}
