import PPP
public import SSTPDBus
import SSTPPlatform
import SSTPTLS
public import SSTPTunnel

/// Turns a NetworkManager connection's `vpn.data` and `vpn.secrets` into
/// client options, with the meaning network-manager-sstp 1.3 gives every
/// key, so existing profiles connect unchanged. Keys that have no effect on
/// our stack are accepted and reported once; unknown keys are refused by
/// name.
public struct NMVPNSettings {
    /// Why a profile cannot be used; becomes InvalidConnection for NM.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// network-manager-sstp 1.3's vpn.data keys (shared/nm-service-defines.h).
    public static let compatibleKeys: Set<String> = [
        "gateway", "connection-type", "user", "domain", "password-flags", "proxy-password-flags",
        "tls-user-key-secret-flags", "ca-cert", "ignore-cert-warn", "tls-ext", "proxy-server", "proxy-port",
        "proxy-user", "refuse-eap", "refuse-pap", "refuse-chap", "refuse-mschap", "refuse-mschapv2",
        "require-mppe", "require-mppe-40", "require-mppe-128", "mppe-stateful", "nobsdcomp", "nodeflate",
        "no-vj-comp", "lcp-echo-failure", "lcp-echo-interval", "unit", "mtu", "crl-file", "tls-ca-cert",
        "tls-identity", "tls-subject-name", "tls-user-cert", "tls-user-key", "tls-verify-method", "tls-remotename",
        "tls-verify-key-usage", "tls-max-version", "uuid",
    ]

    /// Our additions, with new names.
    public static let extensionKeys: Set<String> = [
        "cert-pin", "tls-min", "tls-max", "extra-ca-cert", "server-name", "ipv6", "hello-interval", "backend",
        "allow-weak-auth-without-verify",
    ]

    /// Accepted but without effect over SSTP with our own PPP: MPPE and
    /// compression (SSTP runs no CCP; TLS protects the data), MS-CHAPv1
    /// (never offered by us), and the EAP-TLS keys when the connection type
    /// is password.
    public static let noEffectKeys: Set<String> = [
        "require-mppe", "require-mppe-40", "require-mppe-128", "mppe-stateful", "nobsdcomp", "nodeflate",
        "no-vj-comp", "refuse-mschap", "crl-file", "tls-ca-cert", "tls-identity", "tls-subject-name",
        "tls-user-cert", "tls-user-key", "tls-verify-method", "tls-remotename", "tls-verify-key-usage",
        "tls-max-version", "tls-user-key-secret-flags", "uuid",
    ]

    public static let secretKeys: Set<String> = ["password", "proxy-password", "tls-user-key-secret", "no-secret"]

    public var data: [String: String]
    public var secrets: [String: String]
    /// vpn.user-name, the fallback for `user`.
    public var userName: String?
    /// Lines to log once: keys accepted without effect.
    public private(set) var notes: [String] = []

    public init(data: [String: String], secrets: [String: String], userName: String?) {
        self.data = data
        self.secrets = secrets
        self.userName = userName
    }

    /// From the a{sa{sv}} NetworkManager passes to Connect.
    public init(connection: DBusValue) throws(Invalid) {
        guard let settings = connection.stringKeyedDictionary, let vpn = settings["vpn"]?.stringKeyedDictionary else {
            throw Invalid(description: "the connection has no vpn setting")
        }
        data = Self.stringMap(vpn["data"])
        secrets = Self.stringMap(vpn["secrets"])
        userName = vpn["user-name"]?.stringValue
    }

    /// The vpn.secrets of a NewSecrets call merged into ours.
    public mutating func merge(secretsFrom connection: DBusValue) {
        guard let settings = connection.stringKeyedDictionary, let vpn = settings["vpn"]?.stringKeyedDictionary else {
            return
        }
        for (k, v) in Self.stringMap(vpn["secrets"]) { secrets[k] = v }
    }

    static func stringMap(_ value: DBusValue?) -> [String: String] {
        guard let dict = value?.unwrapped.stringKeyedDictionary else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in dict {
            if let s = v.stringValue { out[k] = s }
        }
        return out
    }

    /// Whether a password must still be asked for (flags per
    /// NMSettingSecretFlags: 4 = not required).
    public var needsPassword: Bool {
        if let p = secrets["password"], !p.isEmpty { return false }
        let flags = UInt32(data["password-flags"] ?? "0") ?? 0
        return flags & 4 == 0
    }

    public var gateway: String? { data["gateway"] }

    /// The user as sent in PPP: DOMAIN\user when a domain is given.
    public var pppUser: String? {
        guard let user = data["user"].flatMap({ $0.isEmpty ? nil : $0 }) ?? userName else { return nil }
        if let domain = data["domain"], !domain.isEmpty { return "\(domain)\\\(user)" }
        return user
    }

    /// Validates every key and builds the client options.
    public mutating func clientOptions() throws(Invalid) -> ClientOptions {
        notes = []
        guard !data.isEmpty else { throw Invalid(description: "the VPN connection has no data (vpn.data is empty)") }
        for key in data.keys.sorted() {
            guard Self.compatibleKeys.contains(key) || Self.extensionKeys.contains(key) else {
                throw Invalid(description: "unknown vpn.data key \"\(key)\"")
            }
            if Self.noEffectKeys.contains(key), key != "uuid", key != "tls-user-key-secret-flags" {
                notes.append("vpn.data \(key)=\(data[key] ?? "") has no effect over SSTP with the built-in PPP")
            }
        }
        for key in secrets.keys.sorted() where !Self.secretKeys.contains(key) {
            throw Invalid(description: "unknown vpn.secrets key \"\(key)\"")
        }
        for (key, value) in data where Self.isBoolean(key) {
            guard value == "yes" || value == "no" else {
                throw Invalid(description: "vpn.data \(key) must be yes or no, not \"\(value)\"")
            }
        }
        if let type = data["connection-type"], type != "password" {
            guard type == "tls" else { throw Invalid(description: "connection-type must be password or tls") }
            throw Invalid(
                description: "connection-type=tls (EAP-TLS with a client certificate) is not supported yet; "
                    + "use a password profile")
        }
        guard let gateway = data["gateway"], !gateway.isEmpty else {
            throw Invalid(description: "vpn.data gateway (the server) is missing")
        }
        // network-manager-sstp allows only these characters in gateway.
        guard gateway.unicodeScalars.allSatisfy({ Self.gatewayCharacters.contains($0) }) else {
            throw Invalid(description: "vpn.data gateway \"\(gateway)\" has characters other than A-Z a-z 0-9 - . :")
        }
        let (host, port) = try Self.splitHostPort(gateway)
        guard let user = pppUser else { throw Invalid(description: "vpn.data user (or vpn.user-name) is missing") }
        let password = secrets["password"] ?? ""

        var tls = TLSClientConfiguration(serverName: data["server-name"].flatMap { $0.isEmpty ? nil : $0 } ?? host)
        if let ca = data["ca-cert"], !ca.isEmpty { tls.trust = .caFile(Self.path(ca)) }
        if let extra = data["extra-ca-cert"], !extra.isEmpty { tls.extraCAFile = Self.path(extra) }
        if data["ignore-cert-warn"] == "yes" { tls.insecureSkipVerify = true }
        // nm-sstp's tls-ext switches SNI on; we send it by default, and an
        // explicit "no" keeps the old behaviour of sending none.
        if data["tls-ext"] == "no" { tls.sni = false }
        if let pins = data["cert-pin"], !pins.isEmpty {
            do {
                tls.pins = try pins.split(separator: ",").map { (p) throws(TLSError) in
                    try TLSPin(parsing: String(p).trimmingSpaces())
                }
            } catch {
                throw Invalid(description: "vpn.data cert-pin: \(error)")
            }
        }
        if let v = data["tls-min"] { tls.minVersion = try Self.tlsVersion(v, key: "tls-min") }
        if let v = data["tls-max"] { tls.maxVersion = try Self.tlsVersion(v, key: "tls-max") }

        var ppp = PPPClientConfiguration(userName: user, password: password)
        var refused: Set<PPPAuthenticationMethod> = []
        if data["refuse-pap"] == "yes" { refused.insert(.pap) }
        if data["refuse-chap"] == "yes" { refused.insert(.chapMD5) }
        if data["refuse-mschapv2"] == "yes" { refused.insert(.mschapv2) }
        if data["refuse-eap"] == "yes" { refused.insert(.eapMSCHAPv2) }
        guard refused.count < PPPAuthenticationMethod.clientPreference.count else {
            throw Invalid(description: "every authentication method is refused (refuse-* keys)")
        }
        ppp.refusedMethods = refused
        if data["ipv6"] == "no" { ppp.requestIPv6 = false }
        if data["allow-weak-auth-without-verify"] == "yes" { ppp.allowWeakAuthenticationWithoutVerification = true }
        let interval = try Self.integer(data["lcp-echo-interval"], key: "lcp-echo-interval", range: 0...3600) ?? 0
        let failure = try Self.integer(data["lcp-echo-failure"], key: "lcp-echo-failure", range: 0...1000) ?? 0
        if interval > 0, failure > 0 {
            ppp.keepalive = PPPKeepalive(interval: .seconds(interval), failureLimit: failure)
        }

        var options = ClientOptions(server: host, tls: tls, ppp: ppp)
        options.port = port
        options.configureInterface = false
        options.configureDNS = false
        if let mtu = try Self.integer(data["mtu"], key: "mtu", range: 576...4087) { options.mtu = mtu }
        if let unit = try Self.integer(data["unit"], key: "unit", range: 0...9999) {
            options.interfaceName = "sstp\(unit)"
        }
        if let hello = try Self.integer(data["hello-interval"], key: "hello-interval", range: 5...3600) {
            options.sstpTimers.hello = .seconds(hello)
        }
        if let backend = data["backend"] {
            guard let kind = ClientOptions.Backend(rawValue: backend) else {
                throw Invalid(description: "vpn.data backend must be userspace or pppd, not \"\(backend)\"")
            }
            options.backend = kind
        }
        if let proxyHost = data["proxy-server"], !proxyHost.isEmpty {
            let proxyPort = try Self.integer(data["proxy-port"], key: "proxy-port", range: 1...65535) ?? 3128
            var proxy = ClientOptions.Proxy(host: proxyHost, port: UInt16(proxyPort))
            if let proxyUser = data["proxy-user"], !proxyUser.isEmpty {
                proxy.user = proxyUser
                proxy.password = secrets["proxy-password"] ?? ""
            }
            options.proxy = proxy
        }
        return options
    }

    static let gatewayCharacters: Set<Unicode.Scalar> = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.:".unicodeScalars)

    static func isBoolean(_ key: String) -> Bool {
        key.hasPrefix("refuse-") || key.hasPrefix("require-mppe") || key == "ignore-cert-warn" || key == "tls-ext"
            || key == "mppe-stateful" || key == "nobsdcomp" || key == "nodeflate" || key == "no-vj-comp"
            || key == "ipv6" || key == "tls-verify-key-usage"
    }

    static func splitHostPort(_ gateway: String) throws(Invalid) -> (String, UInt16) {
        let colons = gateway.filter { $0 == ":" }.count
        if colons == 1, let colon = gateway.lastIndex(of: ":") {
            guard let port = UInt16(gateway[gateway.index(after: colon)...]), port > 0 else {
                throw Invalid(description: "vpn.data gateway \"\(gateway)\": the port is not a number from 1 to 65535")
            }
            return (String(gateway[..<colon]), port)
        }
        return (gateway, 443)
    }

    static func integer(_ text: String?, key: String, range: ClosedRange<Int>) throws(Invalid) -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw Invalid(
                description: "vpn.data \(key) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    static func tlsVersion(_ text: String, key: String) throws(Invalid) -> TLSVersion {
        switch text {
        case "1.2": return .tls12
        case "1.3": return .tls13
        default: throw Invalid(description: "vpn.data \(key) must be 1.2 or 1.3")
        }
    }

    /// nm-sstp stores file names plainly; some tools write file:// URIs.
    static func path(_ value: String) -> String {
        value.hasPrefix("file://") ? String(value.dropFirst(7)) : value
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = self[...]
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
