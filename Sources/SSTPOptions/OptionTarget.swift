public import PPP
public import SSTPTLS
public import SSTPTunnel

/// What the table's `apply` closures fill in, before `finish` turns it into
/// `ClientOptions`: a few values combine (user and domain, server and
/// server-name, the refuse-* set, the LCP echo pair, the proxy parts).
public struct OptionTarget: Sendable {
    public var host: String?
    public var port: UInt16 = 443
    public var serverName: String?
    public var user: String?
    public var domain: String?
    public var password: String?
    public var tls = TLSClientConfiguration(serverName: "")
    public var refused: Set<PPPAuthenticationMethod> = []
    public var requestIPv6 = true
    public var lcpEchoInterval: Int?
    public var lcpEchoFailure: Int?
    public var proxy: ClientOptions.Proxy?
    /// vpn.data proxy-port, applied to proxy-server's proxy.
    public var proxyPort: UInt16?
    public var proxyUser: String?
    public var proxyPassword: String?
    public var interfaceName: String?
    public var mtu: Int?
    public var defaultRoute = false
    public var routes: [(address: [UInt8], prefixLength: Int)] = []
    public var configureDNS = true
    public var hello: Duration?
    public var backend: ClientOptions.Backend?
    public var pppdPlugin: String?
    public var verbose = false
    /// connection-type (--auth): password, tls or peap.
    public var auth = "password"
    /// EAP-TLS and PEAP: the authentication server's CA and name, the key
    /// passphrase; the identity is made from the two below.
    public var eap = EAPTLSClientConfiguration()
    public var clientCertificate: String?
    /// The EAP Identity (tls-identity), when not the user.
    public var eapIdentity: String?
    /// network-manager-sstp's tls-subject-name: the identity its editor
    /// took from the certificate.
    public var certificateSubjectName: String?
    public var clientKey: String?
    /// Keys accepted without effect, to note once.
    public var notes: [String] = []
    /// Setters of ClientOptions fields that need no combining, run last by
    /// `finish` in the order the table applied them.
    var setters: [@Sendable (inout ClientOptions) -> Void] = []

    /// For an option that sets a plain ClientOptions field (or one of its
    /// tls or ppp fields): `apply: { t, v throws(OptionError) in
    /// t.client { $0.field = v == .bool(true) } }` needs no field here.
    public mutating func client(_ setter: @escaping @Sendable (inout ClientOptions) -> Void) {
        setters.append(setter)
    }

    public init() {}

    /// How a front end reads the LCP echo pair: the command line counts an
    /// unset or zero failure limit as 1; vpn.data, like network-manager-sstp
    /// with pppd, sends no echoes unless both are above zero.
    public enum KeepalivePolicy: Sendable {
        case failureAtLeastOne
        case bothRequired
    }

    /// Why the options cannot be used; `option` names the table entry.
    public struct Incomplete: Error, Sendable, Equatable, CustomStringConvertible {
        public var option: String
        public var reason: String
        public var description: String { reason }
    }

    /// The client options. `host`, `user` and `password` must be set (each
    /// front end says in its own words how to give them).
    public func finish(keepalive policy: KeepalivePolicy) throws(Incomplete) -> ClientOptions {
        guard let host else { throw Incomplete(option: "server", reason: "the server is missing") }
        // EAP-TLS can name itself from the certificate (configureEAP).
        guard let user = user ?? (auth == "tls" ? "" : nil) else {
            throw Incomplete(option: "user", reason: "the user name is missing")
        }
        var tls = tls
        tls.serverName = serverName ?? host
        let fullUser = user.isEmpty ? user : domain.map { "\($0)\\\(user)" } ?? user
        var ppp = PPPClientConfiguration(userName: fullUser, password: password ?? "")
        guard refused.count < PPPAuthenticationMethod.clientPreference.count else {
            throw Incomplete(option: "refuse", reason: "every authentication method is refused; allow at least one")
        }
        ppp.refusedMethods = refused
        try configureEAP(&ppp)
        let limit = UserNameLimit.bytes(accepting: ppp.acceptedMethods)
        guard fullUser.utf8.count <= limit else {
            let hint = ppp.acceptedMethods.contains(.pap) ? " (PAP allows 255; refusing PAP allows longer)" : ""
            throw Incomplete(
                option: "user",
                reason: "the user name has \(fullUser.utf8.count) bytes; one PPP authentication packet "
                    + "carries at most \(limit)\(hint)")
        }
        // RFC 1334 §2.2.1: PAP's Passwd-Length is one octet as well.
        if ppp.acceptedMethods.contains(.pap), ppp.password.utf8.count > UserNameLimit.bytes(for: .pap) {
            throw Incomplete(
                option: "password",
                reason: "the password has \(ppp.password.utf8.count) bytes; PAP carries at most 255. "
                    + "Refuse PAP (--refuse-pap, refuse-pap=yes) to use a longer one")
        }
        ppp.requestIPv6 = requestIPv6
        let interval = lcpEchoInterval ?? 0
        switch policy {
        case .failureAtLeastOne:
            if interval > 0 {
                ppp.keepalive = PPPKeepalive(interval: .seconds(interval), failureLimit: max(lcpEchoFailure ?? 0, 1))
            }
        case .bothRequired:
            if interval > 0, let failure = lcpEchoFailure, failure > 0 {
                ppp.keepalive = PPPKeepalive(interval: .seconds(interval), failureLimit: failure)
            }
        }
        var options = ClientOptions(server: host, tls: tls, ppp: ppp)
        options.port = port
        if var proxy {
            if let proxyPort { proxy.port = proxyPort }
            if let proxyUser { proxy.user = proxyUser }
            if let proxyPassword { proxy.password = proxyPassword }
            options.proxy = proxy
        }
        if let interfaceName { options.interfaceName = interfaceName }
        options.mtu = mtu
        if defaultRoute {
            options.routes = .defaultRoute
        } else if !routes.isEmpty {
            options.routes = .networks(routes)
        }
        options.configureDNS = configureDNS
        if let hello { options.sstpTimers.hello = hello }
        if let backend { options.backend = backend }
        if let pppdPlugin { options.pppdPluginPath = pppdPlugin }
        for setter in setters { setter(&options) }
        return options
    }
}
