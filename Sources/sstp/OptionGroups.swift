import ArgumentParser
import SSTPOptions

// The `connect` options. Names, value names and help come from
// SSTPOptions/OptionTable.swift, and so does every check: the values stay
// text here and go through the table (`inputs`). A property per option is
// what ArgumentParser needs; `tableName` and `tableHelp` keep it one line.

/// The ArgumentParser name of a table entry.
func tableName(_ id: String) -> NameSpecification {
    switch OptionTable.spec(id)?.commandLine {
    case .flag(let long, let short?): [.customLong(long), .customShort(short)]
    case .some(let c): [.customLong(c.name)]
    case nil: [.customLong(id)]
    }
}

/// The ArgumentParser help of a table entry.
func tableHelp(_ id: String) -> ArgumentHelp {
    guard let spec = OptionTable.spec(id) else { return ArgumentHelp("") }
    if case .bool = spec.kind { return ArgumentHelp(spec.help) }
    return ArgumentHelp(spec.help, valueName: spec.valueName.lowercased())
}

/// Command-line values by table id, in the order given.
struct CommandLineValues {
    var values: [(id: String, texts: [String])] = []

    mutating func add(_ id: String, _ text: String?) {
        if let text { values.append((id, [text])) }
    }

    mutating func add(_ id: String, _ texts: [String]) {
        if !texts.isEmpty { values.append((id, texts)) }
    }

    mutating func add(_ id: String, flag: Bool) {
        if flag { values.append((id, ["yes"])) }
    }
}

struct TLSOptions: ParsableArguments {
    @Option(name: tableName("ca-cert"), help: tableHelp("ca-cert")) var caCert: String?
    @Option(name: tableName("extra-ca"), help: tableHelp("extra-ca")) var extraCA: String?
    @Option(name: tableName("pin"), help: tableHelp("pin")) var pin: [String] = []
    @Option(name: tableName("tls-min"), help: tableHelp("tls-min")) var tlsMin: String?
    @Option(name: tableName("tls-max"), help: tableHelp("tls-max")) var tlsMax: String?
    @Option(name: tableName("server-name"), help: tableHelp("server-name")) var serverName: String?
    @Flag(name: tableName("no-sni"), help: tableHelp("no-sni")) var noSNI = false
    @Flag(name: tableName("insecure-skip-verify"), help: tableHelp("insecure-skip-verify"))
    var insecureSkipVerify = false
    @Flag(name: tableName("tls-legacy-ciphers"), help: tableHelp("tls-legacy-ciphers"))
    var tlsLegacyCiphers = false
    @Option(name: tableName("connection-type"), help: tableHelp("connection-type")) var auth: String?
    @Option(name: tableName("client-cert"), help: tableHelp("client-cert")) var clientCert: String?
    @Option(name: tableName("client-key"), help: tableHelp("client-key")) var clientKey: String?
    @Option(name: tableName("client-key-password-file"), help: tableHelp("client-key-password-file"))
    var clientKeyPasswordFile: String?
    @Option(name: tableName("eap-ca-cert"), help: tableHelp("eap-ca-cert")) var eapCACert: String?
    @Option(name: tableName("eap-server-name"), help: tableHelp("eap-server-name")) var eapServerName: String?
    @Option(name: tableName("eap-verify-method"), help: tableHelp("eap-verify-method")) var eapVerifyMethod: String?
    @Flag(name: tableName("eap-verify-key-usage"), help: tableHelp("eap-verify-key-usage"))
    var eapVerifyKeyUsage = false
    @Option(name: tableName("eap-crl"), help: tableHelp("eap-crl")) var eapCRL: String?
    @Option(name: tableName("eap-tls-max"), help: tableHelp("eap-tls-max")) var eapTLSMax: String?
    @Option(name: tableName("eap-identity"), help: tableHelp("eap-identity")) var eapIdentity: String?

    func add(to v: inout CommandLineValues) {
        v.add("ca-cert", caCert)
        v.add("extra-ca", extraCA)
        v.add("pin", pin)
        v.add("tls-min", tlsMin)
        v.add("tls-max", tlsMax)
        v.add("server-name", serverName)
        v.add("no-sni", flag: noSNI)
        v.add("insecure-skip-verify", flag: insecureSkipVerify)
        v.add("tls-legacy-ciphers", flag: tlsLegacyCiphers)
        v.add("connection-type", auth)
        v.add("client-cert", clientCert)
        v.add("client-key", clientKey)
        v.add("client-key-password-file", clientKeyPasswordFile)
        v.add("eap-ca-cert", eapCACert)
        v.add("eap-server-name", eapServerName)
        v.add("eap-verify-method", eapVerifyMethod)
        v.add("eap-verify-key-usage", flag: eapVerifyKeyUsage)
        v.add("eap-crl", eapCRL)
        v.add("eap-tls-max", eapTLSMax)
        v.add("eap-identity", eapIdentity)
    }
}

struct ProxyOptions: ParsableArguments {
    @Option(name: tableName("proxy"), help: tableHelp("proxy")) var proxy: String?
    @Option(name: tableName("proxy-user"), help: tableHelp("proxy-user")) var proxyUser: String?
    @Option(name: tableName("proxy-password-file"), help: tableHelp("proxy-password-file"))
    var proxyPasswordFile: String?

    func add(to v: inout CommandLineValues) {
        v.add("proxy", proxy)
        v.add("proxy-user", proxyUser)
        v.add("proxy-password-file", proxyPasswordFile)
    }
}

struct PPPOptions: ParsableArguments {
    @Flag(name: tableName("refuse-pap"), help: tableHelp("refuse-pap")) var refusePAP = false
    @Flag(name: tableName("refuse-chap"), help: tableHelp("refuse-chap")) var refuseCHAP = false
    @Flag(name: tableName("refuse-mschap-v2"), help: tableHelp("refuse-mschap-v2")) var refuseMSCHAPv2 = false
    @Flag(name: tableName("refuse-eap"), help: tableHelp("refuse-eap")) var refuseEAP = false
    @Flag(name: tableName("allow-weak-auth-without-verify"), help: tableHelp("allow-weak-auth-without-verify"))
    var allowWeakAuthWithoutVerify = false
    @Flag(name: tableName("no-ipv6"), help: tableHelp("no-ipv6")) var noIPv6 = false
    @Option(name: tableName("backend"), help: tableHelp("backend")) var backend: String?
    @Option(name: tableName("pppd-plugin"), help: tableHelp("pppd-plugin")) var pppdPlugin: String?
    @Option(name: tableName("hello-interval"), help: tableHelp("hello-interval")) var helloInterval: String?
    @Option(name: tableName("lcp-echo-interval"), help: tableHelp("lcp-echo-interval")) var lcpEchoInterval: String?
    @Option(name: tableName("lcp-echo-failure"), help: tableHelp("lcp-echo-failure")) var lcpEchoFailure: String?

    func add(to v: inout CommandLineValues) {
        v.add("refuse-pap", flag: refusePAP)
        v.add("refuse-chap", flag: refuseCHAP)
        v.add("refuse-mschap-v2", flag: refuseMSCHAPv2)
        v.add("refuse-eap", flag: refuseEAP)
        v.add("allow-weak-auth-without-verify", flag: allowWeakAuthWithoutVerify)
        v.add("no-ipv6", flag: noIPv6)
        v.add("backend", backend)
        v.add("pppd-plugin", pppdPlugin)
        v.add("hello-interval", helloInterval)
        v.add("lcp-echo-interval", lcpEchoInterval)
        v.add("lcp-echo-failure", lcpEchoFailure)
    }
}

struct NetworkOptions: ParsableArguments {
    @Option(name: tableName("interface"), help: tableHelp("interface")) var interface: String?
    @Option(name: tableName("mtu"), help: tableHelp("mtu")) var mtu: String?
    @Flag(name: tableName("default-route"), help: tableHelp("default-route")) var defaultRoute = false
    @Option(name: tableName("route"), help: tableHelp("route")) var route: [String] = []
    @Flag(name: tableName("no-dns"), help: tableHelp("no-dns")) var noDNS = false
    @Flag(name: tableName("reconnect"), help: tableHelp("reconnect")) var reconnect = false
    @Option(name: tableName("reconnect-limit"), help: tableHelp("reconnect-limit")) var reconnectLimit: String?
    @Option(name: tableName("tcp-user-timeout"), help: tableHelp("tcp-user-timeout")) var tcpUserTimeout: String?
    @Flag(name: tableName("no-queue-management"), help: tableHelp("no-queue-management")) var noQueueManagement = false

    func add(to v: inout CommandLineValues) {
        v.add("interface", interface)
        v.add("mtu", mtu)
        v.add("default-route", flag: defaultRoute)
        v.add("route", route)
        v.add("no-dns", flag: noDNS)
        v.add("reconnect", flag: reconnect)
        v.add("reconnect-limit", reconnectLimit)
        v.add("tcp-user-timeout", tcpUserTimeout)
        v.add("no-queue-management", flag: noQueueManagement)
    }
}
