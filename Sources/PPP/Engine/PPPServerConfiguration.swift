/// What the server (authenticator) engine of the bundled test server needs.
public struct PPPServerConfiguration: Sendable, CustomStringConvertible {
    /// User name → password. For MS-CHAPv2 a `DOMAIN\user` name is looked
    /// up as given, then without the domain.
    public var users: [String: String]
    /// The methods to offer, in order: the first goes in our LCP request,
    /// the others follow when the client Naks (RFC 1661 §6.2).
    public var methods: [PPPAuthenticationMethod]
    /// Our name in CHAP Challenges (RFC 1994 §4.1).
    public var name: String
    /// Our IPv4 address, sent in our IPCP request; zero sends none.
    public var localIPv4: IPv4Address
    /// The address assigned to the client.
    public var peerIPv4: IPv4Address
    /// DNS servers to hand out: primary, then secondary. One entry makes
    /// us Reject Secondary-DNS, as SoftEther does.
    public var dns: [IPv4Address]
    /// NBNS servers to hand out.
    public var nbns: [IPv4Address]
    /// Run IPv6CP when the client does; otherwise Protocol-Reject it.
    public var ipv6: Bool
    public var mru: Int
    public var limits: PPPNegotiationLimits
    public var keepalive: PPPKeepalive
    /// How long the client may take to authenticate; zero means no limit
    /// beyond the retransmission counters.
    public var authenticationTimeout: Duration
    /// EAP in pass-through to an authentication server (RFC 3748 §2.3)
    /// instead of the built-in EAP-MSCHAPv2 against `users`.
    public var eapPassThrough: EAPPassThrough?

    public init(
        users: [String: String],
        methods: [PPPAuthenticationMethod] = [.mschapv2, .eapMSCHAPv2, .chapMD5, .pap],
        name: String = "sstp-server", localIPv4: IPv4Address, peerIPv4: IPv4Address,
        dns: [IPv4Address] = [],
        nbns: [IPv4Address] = [], ipv6: Bool = true, mru: Int = 1500,
        limits: PPPNegotiationLimits = .default,
        keepalive: PPPKeepalive = .off, authenticationTimeout: Duration = .seconds(30),
        eapPassThrough: EAPPassThrough? = nil
    ) {
        self.eapPassThrough = eapPassThrough
        self.users = users
        self.methods = methods
        self.name = name
        self.localIPv4 = localIPv4
        self.peerIPv4 = peerIPv4
        self.dns = dns
        self.nbns = nbns
        self.ipv6 = ipv6
        self.mru = mru
        self.limits = limits
        self.keepalive = keepalive
        self.authenticationTimeout = authenticationTimeout
    }

    /// The password for `userName`, trying it without a `DOMAIN\` prefix too.
    func password(for userName: String) -> String? {
        if let password = users[userName] { return password }
        if let slash = userName.lastIndex(of: "\\") {
            return users[String(userName[userName.index(after: slash)...])]
        }
        return nil
    }

    /// Never shows passwords.
    public var description: String {
        "PPPServerConfiguration(\(users.count) users, methods: \(methods.map(\.rawValue)), "
            + "local \(localIPv4), peer \(peerIPv4), DNS \(dns), NBNS \(nbns), IPv6 \(ipv6)"
            + (eapPassThrough.map { ", EAP through \($0.serverName)" } ?? "") + ")"
    }
}
