import PPP
import SSTPTLS
import SSTPTunnel

// The client's options, each declared once. The command line (sstp
// connect), the --config file, NetworkManager's vpn.data
// (SSTPService/NMVPNSettings) and the standalone D-Bus API
// (SSTPService/StandaloneOptions) all read this table, and so does
// sstp-docgen, which writes sstp(1), sstp.conf(5) and sstp-service(8) from
// it. Ranges are checked here, once, for every front end.
//
// To add an option:
//  1. add one `OptionSpec` below, in the group where it belongs: its names
//     in each front end that has it (cli:, config:, vpnData:, dbus: - leave
//     out the ones that do not), its kind (with the range for numbers), its
//     default and one line of help, and `apply`: for a plain field of
//     ClientOptions (or of its tls or ppp) `t.client { $0.field = ... }`;
//     only a value that combines with others needs a field in
//     `OptionTarget` and a line in its `finish`;
//  2. if it has a command-line name, declare the property in
//     Sources/sstp/OptionGroups.swift (`@Option(name: tableName("id"),
//     help: tableHelp("id")) var x: String?`, or `@Flag` for a bool) and
//     pass it on in that group's `add(to:)`; the value stays text and the
//     table checks it (Tests/e2e/test_docs.py fails if the command line and
//     the table differ);
//  3. if it has a vpn.data key, add the same row to key_specs in
//     nm-plugin/sstp-keys.c (`sstp-docgen --c-key-specs` prints it;
//     Tests/e2e/test_docs.py compares the two).
// Nothing else: the config file, vpn.data, D-Bus and the manual pages
// pick it up from here.
public enum OptionTable {
    public static let all: [OptionSpec] = connection + eap + tls + proxy + ppp + network + reconnection + compatibility

    static let connection: [OptionSpec] = [
        OptionSpec(
            "config", cli: .option("config"), kind: .path,
            help: "Read options from this file (sstp.conf(5)); the command line wins where both set one."),
        OptionSpec(
            "server", cli: .argument("server"), config: "server", vpnData: .init("gateway"),
            dbus: .init("server", "s"), kind: .hostPort(defaultPort: 443), valueName: "HOST[:PORT]",
            help: "The server, as HOST, HOST:PORT or [IPv6]:PORT (port 443 by default).",
            apply: { t, v throws(OptionError) in
                if case .hostPort(let host, let port) = v {
                    t.host = host
                    t.port = port
                }
            }),
        OptionSpec(
            "user", cli: .option("user"), config: "user", vpnData: .init("user"), dbus: .init("user", "s"),
            kind: .string(maxBytes: nil), valueName: "NAME", help: "The user name for PPP authentication.",
            apply: { t, v throws(OptionError) in t.user = v.text }),
        OptionSpec(
            "password", dbus: .init("password", "s"), kind: .secret,
            help: "The PPP password itself (D-Bus only; only root may call).",
            apply: { t, v throws(OptionError) in t.password = v.text }),
        OptionSpec(
            "password-file", cli: .option("password-file"), config: "password-file",
            dbus: .init("password-file", "s"), kind: .secretFile,
            help: "A file holding the password (first line); - reads it from standard input.",
            apply: { t, v throws(OptionError) in t.password = v.text }),
        OptionSpec(
            "domain", cli: .option("domain"), config: "domain", vpnData: .init("domain"),
            dbus: .init("domain", "s"), kind: .string(maxBytes: nil), valueName: "DOMAIN",
            help: "A Windows domain, sent as DOMAIN\\user.",
            apply: { t, v throws(OptionError) in t.domain = v.text }),
        OptionSpec(
            "password-flags", vpnData: .init("password-flags"), kind: .uint(0...7), default: "0",
            help: "NetworkManager secret flags of the password (4: not required)."),
        OptionSpec(
            "proxy-password-flags", vpnData: .init("proxy-password-flags"), kind: .uint(0...7), default: "0",
            help: "NetworkManager secret flags of the proxy password."),
        OptionSpec(
            "tls-user-key-secret-flags", vpnData: .init("tls-user-key-secret-flags"), kind: .uint(0...7),
            default: "0", help: "NetworkManager secret flags of the EAP-TLS key password (no effect)."),
    ]

    static let tls: [OptionSpec] = [
        OptionSpec(
            "ca-cert", cli: .option("ca-cert"), config: "ca-cert", vpnData: .init("ca-cert"),
            dbus: .init("ca-cert", "s"), kind: .path, default: "the system's CA store",
            help: "Trust only the CA certificates in this PEM file instead of the system's.",
            apply: { t, v throws(OptionError) in t.tls.trust = .caFile(v.text) }),
        OptionSpec(
            "extra-ca", cli: .option("extra-ca"), config: "extra-ca", vpnData: .init("extra-ca-cert"),
            dbus: .init("extra-ca-cert", "s"), kind: .path,
            help: "Also trust (or use as intermediates) the certificates in this PEM file.",
            apply: { t, v throws(OptionError) in t.tls.extraCAFile = v.text }),
        OptionSpec(
            "pin", cli: .option("pin"), config: "pin", vpnData: .init("cert-pin"), vpnDataSeparator: ",",
            dbus: .init("pins", "as"), kind: .pin, repeatable: true,
            help: "Trust the server if its certificate or public key has this SHA-256 (sha256:BASE64), "
                + "instead of CA and name checks; repeatable.",
            apply: { t, v throws(OptionError) in if case .pin(let p) = v { t.tls.pins.append(p) } }),
        OptionSpec(
            "tls-min", cli: .option("tls-min"), config: "tls-min", vpnData: .init("tls-min"),
            dbus: .init("tls-min", "s"), kind: .choice(["1.2", "1.3"], aliases: tlsAliases), default: "1.2",
            help: "Lowest TLS version: 1.2 or 1.3.",
            apply: { t, v throws(OptionError) in t.tls.minVersion = v.text == "1.3" ? .tls13 : .tls12 }),
        OptionSpec(
            "tls-max", cli: .option("tls-max"), config: "tls-max", vpnData: .init("tls-max"),
            dbus: .init("tls-max", "s"), kind: .choice(["1.2", "1.3"], aliases: tlsAliases), default: "1.3",
            help: "Highest TLS version: 1.2 or 1.3.",
            apply: { t, v throws(OptionError) in t.tls.maxVersion = v.text == "1.3" ? .tls13 : .tls12 }),
        OptionSpec(
            "server-name", cli: .option("server-name"), config: "server-name", vpnData: .init("server-name"),
            dbus: .init("server-name", "s"), kind: .string(maxBytes: 253), default: "the server's host",
            valueName: "NAME", help: "Check the certificate against this name instead of the server's.",
            apply: { t, v throws(OptionError) in t.serverName = v.text }),
        OptionSpec(
            "no-sni", cli: .flag("no-sni"), config: "no-sni", vpnData: .init("tls-ext", inverted: true),
            dbus: .init("no-sni", "b"), kind: .bool, default: "no", help: "Do not send SNI.",
            apply: { t, v throws(OptionError) in t.tls.sni = v != .bool(true) }),
        OptionSpec(
            "insecure-skip-verify", cli: .flag("insecure-skip-verify"), config: "insecure-skip-verify",
            vpnData: .init("ignore-cert-warn"), dbus: .init("insecure-skip-verify", "b"), kind: .bool,
            default: "no",
            help: "Do not check the server certificate at all (a warning is logged on every connect).",
            apply: { t, v throws(OptionError) in t.tls.insecureSkipVerify = v == .bool(true) }),
        OptionSpec(
            "tls-legacy-ciphers", cli: .flag("tls-legacy-ciphers"), config: "tls-legacy-ciphers",
            vpnData: .init("tls-legacy-ciphers"), dbus: .init("tls-legacy-ciphers", "b"), kind: .bool,
            default: "no",
            help: "Also offer TLS 1.2 cipher suites without forward secrecy (AES128-SHA...), for old servers.",
            apply: { t, v throws(OptionError) in t.tls.legacyCipherSuites = v == .bool(true) }),
    ]

    static let tlsAliases = ["TLS1.2": "1.2", "tls1.2": "1.2", "TLS1.3": "1.3", "tls1.3": "1.3"]

    static let proxy: [OptionSpec] = [
        OptionSpec(
            "proxy", cli: .option("proxy"), config: "proxy", dbus: .init("proxy", "s"),
            kind: .hostPort(defaultPort: 3128), valueName: "HOST:PORT",
            help: "Connect through this HTTP proxy (HOST:PORT, port 3128 by default) with CONNECT.",
            apply: { t, v throws(OptionError) in
                if case .hostPort(let host, let port) = v { t.proxy = ClientOptions.Proxy(host: host, port: port) }
            }),
        OptionSpec(
            "proxy-server", vpnData: .init("proxy-server"), kind: .string(maxBytes: 253), valueName: "HOST",
            help: "The HTTP proxy's host (with proxy-port).",
            apply: { t, v throws(OptionError) in t.proxy = ClientOptions.Proxy(host: v.text, port: 3128) }),
        OptionSpec(
            "proxy-port", vpnData: .init("proxy-port"), kind: .uint(1...65535), default: "3128",
            help: "The HTTP proxy's port.",
            apply: { t, v throws(OptionError) in if case .number(let n) = v { t.proxyPort = UInt16(clamping: n) } }),
        OptionSpec(
            "proxy-user", cli: .option("proxy-user"), config: "proxy-user", vpnData: .init("proxy-user"),
            dbus: .init("proxy-user", "s"), kind: .string(maxBytes: nil), valueName: "NAME",
            help: "The proxy user name (Basic authentication).",
            apply: { t, v throws(OptionError) in t.proxyUser = v.text }),
        OptionSpec(
            "proxy-password", dbus: .init("proxy-password", "s"), kind: .secret,
            help: "The proxy password itself (D-Bus only).",
            apply: { t, v throws(OptionError) in t.proxyPassword = v.text }),
        OptionSpec(
            "proxy-password-file", cli: .option("proxy-password-file"), config: "proxy-password-file",
            dbus: .init("proxy-password-file", "s"), kind: .secretFile,
            help: "A file holding the proxy password (first line).",
            apply: { t, v throws(OptionError) in t.proxyPassword = v.text }),
    ]

    static func refuse(_ method: PPPAuthenticationMethod) -> OptionSpec.Apply {
        { t, v throws(OptionError) in
            if v == .bool(true) { t.refused.insert(method) } else { t.refused.remove(method) }
        }
    }

    static let refuseWords: [(String, PPPAuthenticationMethod)] = [
        ("pap", .pap), ("chap", .chapMD5), ("mschapv2", .mschapv2), ("eap", .eapMSCHAPv2),
    ]

    static let ppp: [OptionSpec] = [
        OptionSpec(
            "refuse-pap", cli: .flag("refuse-pap"), config: "refuse-pap", vpnData: .init("refuse-pap"),
            kind: .bool, default: "no", help: "Never authenticate with PAP (clear-text password).",
            apply: refuse(.pap)),
        OptionSpec(
            "refuse-chap", cli: .flag("refuse-chap"), config: "refuse-chap", vpnData: .init("refuse-chap"),
            kind: .bool, default: "no", help: "Never authenticate with CHAP-MD5.", apply: refuse(.chapMD5)),
        OptionSpec(
            "refuse-mschap-v2", cli: .flag("refuse-mschap-v2"), config: "refuse-mschap-v2",
            vpnData: .init("refuse-mschapv2"), kind: .bool, default: "no",
            help: "Never authenticate with MS-CHAPv2.", apply: refuse(.mschapv2)),
        OptionSpec(
            "refuse-eap", cli: .flag("refuse-eap"), config: "refuse-eap", vpnData: .init("refuse-eap"),
            kind: .bool, default: "no", help: "Never authenticate with EAP.", apply: refuse(.eapMSCHAPv2)),
        OptionSpec(
            "allow-weak-auth-without-verify", cli: .flag("allow-weak-auth-without-verify"),
            config: "allow-weak-auth-without-verify", vpnData: .init("allow-weak-auth-without-verify"),
            dbus: .init("allow-weak-auth-without-verify", "b"), kind: .bool, default: "no",
            help: "With insecure-skip-verify, still authenticate with PAP (password in clear) or CHAP-MD5 "
                + "(crackable hash); refused by default, as whoever answered would get the password.",
            apply: { t, v throws(OptionError) in
                let allow = v == .bool(true)
                t.client { $0.ppp.allowWeakAuthenticationWithoutVerification = allow }
            }),
        OptionSpec(
            "refuse", dbus: .init("refuse", "as"), kind: .choice(refuseWords.map(\.0)), repeatable: true,
            help: "Authentication methods never to use.",
            apply: { t, v throws(OptionError) in
                if let m = refuseWords.first(where: { $0.0 == v.text })?.1 { t.refused.insert(m) }
            }),
        OptionSpec(
            "no-ipv6", cli: .flag("no-ipv6"), config: "no-ipv6", vpnData: .init("ipv6", inverted: true),
            dbus: .init("ipv6", "b", inverted: true), kind: .bool, default: "no",
            help: "Do not negotiate IPv6 (IPv6CP).",
            apply: { t, v throws(OptionError) in t.requestIPv6 = v != .bool(true) }),
        OptionSpec(
            "backend", cli: .option("backend"), config: "backend", vpnData: .init("backend"),
            dbus: .init("backend", "s"), kind: .choice(ClientOptions.Backend.allCases.map(\.rawValue)),
            default: "userspace",
            help: "PPP backend: userspace (built in, the default) or pppd (kernel PPP through Debian's pppd).",
            apply: { t, v throws(OptionError) in t.backend = ClientOptions.Backend(rawValue: v.text) }),
        OptionSpec(
            "pppd-plugin", cli: .option("pppd-plugin"), config: "pppd-plugin", kind: .path,
            default: "/usr/lib/pppd/VERSION/sstp-pppd-bridge.so",
            help: "The pppd bridge plugin to load with --backend pppd.",
            apply: { t, v throws(OptionError) in t.pppdPlugin = v.text }),
        OptionSpec(
            "hello-interval", cli: .option("hello-interval"), config: "hello-interval",
            vpnData: .init("hello-interval"), dbus: .init("hello-interval", "u"), kind: .uint(1...3600),
            default: "60", valueName: "SECONDS",
            help: "Seconds between SSTP echo requests on an idle link; two unanswered intervals end the call.",
            apply: { t, v throws(OptionError) in if case .number(let n) = v { t.hello = .seconds(n) } }),
        OptionSpec(
            "lcp-echo-interval", cli: .option("lcp-echo-interval"), config: "lcp-echo-interval",
            vpnData: .init("lcp-echo-interval"), kind: .uint(0...3600), default: "0", valueName: "SECONDS",
            help: "Seconds between LCP echo requests (0: off).",
            apply: { t, v throws(OptionError) in if case .number(let n) = v { t.lcpEchoInterval = n } }),
        OptionSpec(
            "lcp-echo-failure", cli: .option("lcp-echo-failure"), config: "lcp-echo-failure",
            vpnData: .init("lcp-echo-failure"), kind: .uint(0...1000), default: "1",
            help: "Unanswered LCP echo requests before the link is declared dead.",
            apply: { t, v throws(OptionError) in if case .number(let n) = v { t.lcpEchoFailure = n } }),
    ]

    static let network: [OptionSpec] = [
        OptionSpec(
            "interface", cli: .option("interface"), config: "interface", dbus: .init("interface", "s"),
            kind: .interfaceName, default: "sstp%d",
            help: "Name of the TUN interface (a pattern like sstp%d picks a free one).",
            apply: { t, v throws(OptionError) in t.interfaceName = v.text }),
        OptionSpec(
            "unit", vpnData: .init("unit"), kind: .uint(0...9999),
            help: "The interface is sstpUNIT (network-manager-sstp's pppd unit).",
            apply: { t, v throws(OptionError) in if case .number(let n) = v { t.interfaceName = "sstp\(n)" } }),
        OptionSpec(
            "mtu", cli: .option("mtu"), config: "mtu", vpnData: .init("mtu"), dbus: .init("mtu", "u"),
            // 4087: one SSTP packet (MS-SSTP 2.2.1, a 12-bit length: 4095
            // bytes) less its 4-byte header and the PPP header (address,
            // control, protocol: 4 bytes). 576: the IPv4 datagram every host
            // must accept (RFC 791).
            kind: .uint(576...4087), default: "from the negotiated MRU, at most \(ClientOptions.defaultMTU)",
            help: "MTU of the tunnel (default: from the negotiated MRU, at most \(ClientOptions.defaultMTU)).",
            apply: { t, v throws(OptionError) in if case .number(let n) = v { t.mtu = n } }),
        OptionSpec(
            "default-route", cli: .flag("default-route"), config: "default-route",
            dbus: .init("default-route", "b"), kind: .bool, default: "no",
            help: "Send all IPv4 traffic through the tunnel (the server stays reachable outside it).",
            apply: { t, v throws(OptionError) in t.defaultRoute = v == .bool(true) }),
        OptionSpec(
            "route", cli: .option("route"), config: "route", dbus: .init("routes", "as"), kind: .ipv4Network,
            repeatable: true, help: "Send this network (CIDR, e.g. 10.0.0.0/8) through the tunnel; repeatable.",
            apply: { t, v throws(OptionError) in
                if case .network(let a, let p) = v { t.routes.append((a, p)) }
            }),
        OptionSpec(
            "no-dns", cli: .flag("no-dns"), config: "no-dns", dbus: .init("dns", "b", inverted: true), kind: .bool,
            default: "no", help: "Do not set the DNS servers the server gives (systemd-resolved).",
            apply: { t, v throws(OptionError) in t.configureDNS = v != .bool(true) }),
        OptionSpec(
            "no-queue-management", cli: .flag("no-queue-management"), config: "no-queue-management", kind: .bool,
            default: "no",
            help:
                "Send packets in the order they come, without the FQ-CoDel queue (AQM) that keeps latency low under upload.",
            apply: { t, v throws(OptionError) in
                let off = v == .bool(true)
                t.client { $0.queueManagement = !off }
            }),
        OptionSpec(
            "verbose", cli: .flag("verbose", short: "v"), config: "verbose", kind: .bool, default: "no",
            help: "Show every protocol step.",
            apply: { t, v throws(OptionError) in t.verbose = v == .bool(true) }),
    ]

    /// network-manager-sstp 1.3's keys that have no effect over SSTP with
    /// our own PPP: MPPE and compression (SSTP runs no CCP; TLS protects the
    /// data) and MS-CHAPv1 (never offered by us).
    static let compatibility: [OptionSpec] =
        [
            "refuse-mschap", "require-mppe", "require-mppe-40", "require-mppe-128", "mppe-stateful", "nobsdcomp",
            "nodeflate", "no-vj-comp",
        ].map {
            OptionSpec($0, vpnData: .init($0), kind: .bool, help: "No effect (network-manager-sstp).", noEffect: true)
        }
        + [
            OptionSpec(
                "uuid", vpnData: .init("uuid"), kind: .string(maxBytes: nil),
                help: "Kept by network-manager-sstp; not used.")
        ]

    /// The entry with this id.
    public static func spec(_ id: String) -> OptionSpec? {
        all.first { $0.id == id }
    }

    /// The help line of the entry with this id ("" for an unknown id, which
    /// a test rules out for every name the command line uses).
    public static func help(_ id: String) -> String {
        spec(id)?.help ?? ""
    }
}
