import ArgumentParser
import PPP
import SSTPPlatform
import SSTPTLS
import SSTPTunnel

struct TLSOptions: ParsableArguments {
    @Option(help: "Trust only the CA certificates in this PEM file instead of the system's.")
    var caCert: String?

    @Option(help: "Also trust (or use as intermediates) the certificates in this PEM file.")
    var extraCA: String?

    @Option(
        help: "Accept the server only if its certificate or public key has this SHA-256 (sha256:BASE64); repeatable.")
    var pin: [String] = []

    @Option(help: "Lowest TLS version: 1.2 or 1.3.")
    var tlsMin: String?

    @Option(help: "Highest TLS version: 1.2 or 1.3.")
    var tlsMax: String?

    @Option(help: "Check the certificate against this name instead of the server's.")
    var serverName: String?

    @Flag(help: "Do not send SNI.")
    var noSNI = false

    @Flag(help: "Do not check the server certificate at all (a warning is logged on every connect).")
    var insecureSkipVerify = false

    func apply(to tls: inout TLSClientConfiguration, file: ConfigFile) throws {
        if let ca = caCert ?? file["ca-cert"] { tls.trust = .caFile(ca) }
        tls.extraCAFile = extraCA ?? file["extra-ca"]
        let pins = pin.isEmpty ? file.all("pin") : pin
        do {
            tls.pins = try pins.map { (p) throws(TLSError) in try TLSPin(parsing: p) }
        } catch {
            throw ValidationError("\(error)")
        }
        if let v = tlsMin ?? file["tls-min"] { tls.minVersion = try parseVersion(v) }
        if let v = tlsMax ?? file["tls-max"] { tls.maxVersion = try parseVersion(v) }
        if noSNI || file.bool("no-sni") == true { tls.sni = false }
        if insecureSkipVerify || file.bool("insecure-skip-verify") == true { tls.insecureSkipVerify = true }
    }

    private func parseVersion(_ text: String) throws -> TLSVersion {
        switch text {
        case "1.2", "TLS1.2", "tls1.2": return .tls12
        case "1.3", "TLS1.3", "tls1.3": return .tls13
        default: throw ValidationError("TLS version \"\(text)\": give 1.2 or 1.3")
        }
    }
}

struct ProxyOptions: ParsableArguments {
    @Option(help: "Connect through this HTTP proxy (HOST:PORT) with CONNECT.")
    var proxy: String?

    @Option(help: "The proxy user name (Basic authentication).")
    var proxyUser: String?

    @Option(help: "A file holding the proxy password (first line).")
    var proxyPasswordFile: String?

    func build(file: ConfigFile) throws -> ClientOptions.Proxy? {
        guard let text = proxy ?? file["proxy"] else { return nil }
        let (host, port) = try parseHostPort(text, defaultPort: 3128)
        var result = ClientOptions.Proxy(host: host, port: port)
        result.user = proxyUser ?? file["proxy-user"]
        if let path = proxyPasswordFile ?? file["proxy-password-file"] {
            result.password = try readSecret(path, what: "proxy password")
        }
        return result
    }
}

struct PPPOptions: ParsableArguments {
    @Flag(help: "Never authenticate with PAP (clear-text password).")
    var refusePAP = false

    @Flag(help: "Never authenticate with CHAP-MD5.")
    var refuseCHAP = false

    @Flag(name: .customLong("refuse-mschap-v2"), help: "Never authenticate with MS-CHAPv2.")
    var refuseMSCHAPv2 = false

    @Flag(help: "Never authenticate with EAP.")
    var refuseEAP = false

    @Flag(name: .customLong("no-ipv6"), help: "Do not negotiate IPv6 (IPv6CP).")
    var noIPv6 = false

    @Flag(
        help: """
            With --insecure-skip-verify, still authenticate with PAP (password in clear) or CHAP-MD5 \
            (crackable hash); refused by default, as whoever answered would get the password.
            """)
    var allowWeakAuthWithoutVerify = false

    @Option(help: "PPP backend: userspace (built in, the default) or pppd (kernel PPP through Debian's pppd).")
    var backend: String?

    @Option(help: "The pppd bridge plugin to load with --backend pppd.")
    var pppdPlugin: String?

    @Option(help: "Seconds between SSTP echo requests on an idle link (default 60).")
    var helloInterval: Int?

    @Option(help: "Seconds between LCP echo requests (0: off).")
    var lcpEchoInterval: Int?

    @Option(help: "Unanswered LCP echo requests before the link is declared dead.")
    var lcpEchoFailure: Int?

    func apply(to ppp: inout PPPClientConfiguration, file: ConfigFile) throws {
        var refused: Set<PPPAuthenticationMethod> = []
        if refusePAP || file.bool("refuse-pap") == true { refused.insert(.pap) }
        if refuseCHAP || file.bool("refuse-chap") == true { refused.insert(.chapMD5) }
        if refuseMSCHAPv2 || file.bool("refuse-mschap-v2") == true { refused.insert(.mschapv2) }
        if refuseEAP || file.bool("refuse-eap") == true { refused.insert(.eapMSCHAPv2) }
        guard refused.count < PPPAuthenticationMethod.clientPreference.count else {
            throw ValidationError("every authentication method is refused; allow at least one")
        }
        ppp.refusedMethods = refused
        if noIPv6 || file.bool("no-ipv6") == true { ppp.requestIPv6 = false }
        if allowWeakAuthWithoutVerify || file.bool("allow-weak-auth-without-verify") == true {
            ppp.allowWeakAuthenticationWithoutVerification = true
        }
        let interval = lcpEchoInterval ?? file.int("lcp-echo-interval") ?? 0
        let failure = lcpEchoFailure ?? file.int("lcp-echo-failure") ?? 0
        if interval > 0 {
            ppp.keepalive = PPPKeepalive(interval: .seconds(interval), failureLimit: max(failure, 1))
        }
    }
}

struct NetworkOptions: ParsableArguments {
    @Option(help: "Name of the TUN interface (a pattern like sstp%d picks a free one).")
    var interface: String?

    @Option(help: "MTU of the tunnel (default: from the negotiated MRU, at most 1400).")
    var mtu: Int?

    @Flag(help: "Send all IPv4 traffic through the tunnel (the server stays reachable outside it).")
    var defaultRoute = false

    @Option(help: "Send this network (CIDR, e.g. 10.0.0.0/8) through the tunnel; repeatable.")
    var route: [String] = []

    @Flag(help: "Do not set the DNS servers the server gives (systemd-resolved).")
    var noDNS = false

    func apply(to options: inout ClientOptions, file: ConfigFile) throws {
        if let name = interface ?? file["interface"] {
            guard name.utf8.count < 16 else { throw ValidationError("interface names have at most 15 characters") }
            options.interfaceName = name
        }
        options.mtu = mtu ?? file.int("mtu")
        if let m = options.mtu, !(576...4087).contains(m) {
            throw ValidationError("MTU \(m): give 576 to 4087")
        }
        let routes = route.isEmpty ? file.all("route") : route
        if defaultRoute || file.bool("default-route") == true {
            options.routes = .defaultRoute
        } else if !routes.isEmpty {
            options.routes = .networks(try routes.map(parseCIDR))
        }
        if noDNS || file.bool("no-dns") == true { options.configureDNS = false }
    }

    private func parseCIDR(_ text: String) throws -> (address: [UInt8], prefixLength: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = SocketAddress.parseNumeric(String(parts[0])), address.count == 4,
            let prefix = Int(parts[1]), (0...32).contains(prefix)
        else { throw ValidationError("route \"\(text)\": give an IPv4 network like 10.0.0.0/8") }
        return (address, prefix)
    }
}
