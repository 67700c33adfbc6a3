import Glibc
public import PPP
public import SSTPSession
public import SSTPTLS

/// Everything a client connection needs. Secrets (the PPP password, the
/// proxy password) are in memory only: never on a command line, in the
/// environment or in a log.
public struct ClientOptions: Sendable {
    public struct Proxy: Sendable {
        public var host: String
        public var port: UInt16
        public var user: String?
        public var password: String?

        public init(host: String, port: UInt16, user: String? = nil, password: String? = nil) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
        }
    }

    /// Which routes go through the tunnel.
    public enum Routes: Sendable, Hashable {
        /// Only the peer address (the point-to-point route).
        case none
        /// Everything: 0.0.0.0/1 and 128.0.0.0/1 through the tunnel (the
        /// existing default route stays, so nothing needs restoring), plus
        /// a host route to the server through the old next hop.
        case defaultRoute
        /// The given networks (address bytes, prefix length).
        case networks([(address: [UInt8], prefixLength: Int)])

        public static func == (a: Routes, b: Routes) -> Bool {
            switch (a, b) {
            case (.none, .none), (.defaultRoute, .defaultRoute): true
            case (.networks(let x), .networks(let y)):
                x.count == y.count
                    && zip(x, y).allSatisfy { $0.address == $1.address && $0.prefixLength == $1.prefixLength }
            default: false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .none: hasher.combine(0)
            case .defaultRoute: hasher.combine(1)
            case .networks(let n):
                for r in n {
                    hasher.combine(r.address)
                    hasher.combine(r.prefixLength)
                }
            }
        }
    }

    public var server: String
    public var port: UInt16 = 443
    public var tls: TLSClientConfiguration
    public var proxy: Proxy?
    public var ppp: PPPClientConfiguration
    public var sstpTimers = SSTPTimerValues()
    /// TUN name or pattern ("sstp%d").
    public var interfaceName = "sstp%d"
    /// The TUN MTU; nil: from the negotiated MRU, at most `defaultMTU`.
    public var mtu: Int?
    public static let defaultMTU = PPPClientConfiguration.defaultMRU
    public var routes = Routes.none
    /// Set DNS through systemd-resolved when it runs.
    public var configureDNS = true
    /// Configure addresses and routes on the TUN; off when another program
    /// (NetworkManager) applies the configuration.
    public var configureInterface = true
    public var connectTimeout: Duration = .seconds(30)
    /// MS-SSTP §4.1: the client waits up to 60 s for the HTTP response.
    public var httpTimeout: Duration = .seconds(60)
    /// Tests only: send a deliberately wrong crypto binding.
    public var corruptCryptoBinding = false
    /// Which PPP runs: the built-in userspace engine, or Debian's pppd on a
    /// pty with our bridge plugin (kernel PPP, a pppN interface).
    public var backend = Backend.userspace
    public var pppdPath = "/usr/sbin/pppd"
    /// The bridge plugin pppd loads (absolute path): by default the one
    /// installed for the pppd on this system (/usr/lib/pppd/<version>/).
    public var pppdPluginPath = ClientOptions.installedPPPDPlugin()
    /// Connect again after the session is lost (issue 14; the driver reads
    /// these through `reconnectSettings`).
    public var reconnect = false
    /// Failed attempts in a row before giving up; 0: no limit.
    public var reconnectLimit = 0
    /// TCP_USER_TIMEOUT on the outer connection: data unacknowledged this
    /// long ends the transport; nil leaves the kernel's limits.
    public var tcpUserTimeout: Duration? = .seconds(15)
    /// Packets from the TUN wait in our own AQM (FQ-CoDel, UplinkQueue)
    /// while the TLS socket is busy, instead of in the TUN's queue.
    public var queueManagement = true

    public enum Backend: String, Sendable, CaseIterable {
        case userspace
        case pppd
    }

    /// /usr/lib/pppd/*/sstp-pppd-bridge.so, the newest version first.
    public static func installedPPPDPlugin() -> String {
        var matches = glob_t()
        defer { globfree(&matches) }
        var found: [String] = []
        if glob("/usr/lib/pppd/*/sstp-pppd-bridge.so", 0, nil, &matches) == 0 {
            for i in 0..<Int(matches.gl_pathc) {
                if let p = matches.gl_pathv[i] { found.append(String(cString: p)) }
            }
        }
        return found.sorted().last ?? "/usr/lib/pppd/2.4.9/sstp-pppd-bridge.so"
    }

    /// `ppp` as the engine gets it: with certificate checking off, PAP and
    /// CHAP-MD5 are refused unless `ppp.allowWeakAuthenticationWithoutVerification`.
    public var pppConfiguration: PPPClientConfiguration {
        var configuration = ppp
        configuration.serverIdentityUnverified = tls.insecureSkipVerify
        return configuration
    }

    public init(server: String, tls: TLSClientConfiguration, ppp: PPPClientConfiguration) {
        self.server = server
        self.tls = tls
        self.ppp = ppp
    }
}
