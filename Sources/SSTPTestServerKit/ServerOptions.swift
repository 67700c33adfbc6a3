public import PPP
public import SSTPPlatform
public import SSTPSession
public import SSTPWire

/// The bundled test server's settings, fault knobs included.
public struct ServerOptions: Sendable {
    /// Fault knobs for tests: each makes the server misbehave in one way.
    public struct Faults: Sendable, Hashable {
        /// Check the client's crypto binding against a wrong key, so a
        /// correct binding fails (CALL_ABORT with VALUE_NOT_SUPPORTED).
        public var wrongCryptoBinding = false
        /// Send CALL_ABORT after this many data packets from the client.
        public var abortAfterPackets: Int?
        /// Never answer SSTP ECHO_REQUEST.
        public var ignoreEchoes = false
        /// Stop answering anything (no echoes, no LCP echo replies, no data)
        /// once IPCP is up, as a server that died would.
        public var silentAfterConnect = false
        /// Wait this long before answering the HTTP request.
        public var slowHandshake: Duration?
        /// Send a malformed control packet right after CALL_CONNECT_ACK.
        public var malformedPacket = false
        /// Answer the SSTP_DUPLEX_POST with this status instead of 200.
        public var httpStatus: Int?
        /// With `renegotiateEvery`: present this certificate chain and key
        /// (PEM files) from the first renegotiation on, which a client
        /// must refuse.
        public var renegotiationIdentity: Identity?

        /// A certificate chain file and its private key file (PEM).
        public struct Identity: Sendable, Hashable {
            public var chain: String
            public var key: String

            public init(chain: String, key: String) {
                self.chain = chain
                self.key = key
            }
        }
        /// End the call with CALL_DISCONNECT this long after IPCP is up, as
        /// an administrator's disconnect would.
        public var disconnectAfter: Duration?

        public init() {}
    }

    public var listen: SocketAddress
    public var certificateChainFile: String
    public var privateKeyFile: String
    /// User name to password.
    public var users: [String: String]
    /// Authentication methods offered, in order.
    public var methods: [PPPAuthenticationMethod] = [.mschapv2, .eapMSCHAPv2, .chapMD5, .pap]
    /// The server's address inside the tunnels (the peer address clients see).
    public var localAddress: IPv4Address
    /// The addresses handed out, one per client.
    public var pool: ClosedRange<UInt32>
    public var dns: [IPv4Address] = []
    public var ipv6 = true
    public var offeredHashes: HashProtocolBitmask = [.sha1, .sha256]
    public var sstpTimers = SSTPTimerValues()
    public var interfaceName = "sstpsrv%d"
    /// The TUN MTU, the same default as the client's.
    public var mtu = PPPClientConfiguration.defaultMRU
    public var faults = Faults()
    /// Re-key every TLS session this often: a TLS 1.2 renegotiation (RFC
    /// 5746) or a TLS 1.3 KeyUpdate, as servers and middleboxes that re-key
    /// long sessions do.
    public var renegotiateEvery: Duration?
    /// Limits before login (issue 16 item 15): the TLS handshake and the
    /// HTTP request must be done within `handshakeTimeout`, PPP
    /// authentication within `loginTimeout` of the accept, and at most
    /// `maxUnauthenticated` connections may be in that phase at once (a new
    /// one closes the oldest).
    public var handshakeTimeout: Duration = .seconds(10)
    public var loginTimeout: Duration = .seconds(30)
    public var maxUnauthenticated = 128
    /// Each client's packets from the TUN wait in an AQM (FQ-CoDel,
    /// UplinkQueue) of `queueSlots` packets while its socket is busy,
    /// instead of being dropped when its batch is full.
    public var queueManagement = true
    public var queueSlots = 512
    /// Relay EAP to a RADIUS server (RFC 3579) instead of checking the
    /// users file for it.
    public var radius: RADIUSSettings?

    public init(
        listen: SocketAddress, certificateChainFile: String, privateKeyFile: String, users: [String: String],
        localAddress: IPv4Address, pool: ClosedRange<UInt32>
    ) {
        self.listen = listen
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.users = users
        self.localAddress = localAddress
        self.pool = pool
    }
}
