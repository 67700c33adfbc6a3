import Glibc
import PPP
public import SSTPDBus
import SSTPPlatform
import SSTPTLS
public import SSTPTunnel

/// The a{sv} options of net.sstpclient.Client1.Manager.Connect. Every key
/// is typed; an unknown key or a wrong type is refused by name.
///
/// | key | type | meaning |
/// |---|---|---|
/// | server | s | HOST or HOST:PORT (required) |
/// | user | s | PPP user (required) |
/// | password | s | PPP password (only root may call; the bus carries it) |
/// | password-file | s | a root-readable file whose first line is the password (keeps it off busctl's argv) |
/// | domain | s | Windows domain (DOMAIN\user) |
/// | ca-cert, extra-ca-cert | s | PEM files (as --ca-cert, --extra-ca) |
/// | server-name | s | name to check the certificate against |
/// | pins | as | sha256:BASE64 pins |
/// | tls-min, tls-max | s | "1.2" or "1.3" |
/// | insecure-skip-verify, no-sni | b | as the command-line flags |
/// | proxy | s | HOST:PORT of an HTTP proxy |
/// | proxy-user, proxy-password | s | Basic credentials for the proxy |
/// | refuse | as | any of pap, chap, mschapv2, eap |
/// | allow-weak-auth-without-verify | b | PAP and CHAP-MD5 even with insecure-skip-verify |
/// | ipv6 | b | negotiate IPv6CP (default true) |
/// | interface | s | TUN name or pattern |
/// | mtu | u | tunnel MTU |
/// | default-route | b | route all IPv4 through the tunnel |
/// | routes | as | CIDR networks to route through the tunnel |
/// | dns | b | set DNS through systemd-resolved (default true) |
/// | hello-interval | u | seconds between SSTP echoes on an idle link |
/// | backend | s | userspace (default) or pppd |
public enum StandaloneOptions {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    static let types: [String: String] = [
        "server": "s", "user": "s", "password": "s", "domain": "s", "ca-cert": "s", "extra-ca-cert": "s",
        "server-name": "s", "pins": "as", "tls-min": "s", "tls-max": "s", "insecure-skip-verify": "b", "no-sni": "b",
        "proxy": "s", "proxy-user": "s", "proxy-password": "s", "password-file": "s", "proxy-password-file": "s",
        "refuse": "as", "ipv6": "b", "interface": "s",
        "mtu": "u", "default-route": "b", "routes": "as", "dns": "b", "hello-interval": "u", "backend": "s",
        "allow-weak-auth-without-verify": "b",
    ]

    public static func parse(_ dict: [String: DBusValue]) throws(Invalid) -> ClientOptions {
        var v: [String: DBusValue] = [:]
        for (key, value) in dict {
            guard let type = types[key] else { throw Invalid(description: "unknown option \"\(key)\"") }
            let inner = value.unwrapped
            guard inner.signature == type else {
                throw Invalid(description: "option \"\(key)\" must have type \(type), not \(inner.signature)")
            }
            v[key] = inner
        }
        guard let serverText = v["server"]?.stringValue, !serverText.isEmpty else {
            throw Invalid(description: "option \"server\" is required")
        }
        guard let user = v["user"]?.stringValue, !user.isEmpty else {
            throw Invalid(description: "option \"user\" is required")
        }
        let password: String
        if let file = v["password-file"]?.stringValue {
            password = try readSecret(file, key: "password-file")
        } else if let given = v["password"]?.stringValue {
            password = given
        } else {
            throw Invalid(description: "option \"password\" or \"password-file\" is required")
        }
        let (host, port) = try hostPort(serverText, defaultPort: 443, key: "server")
        var tls = TLSClientConfiguration(serverName: v["server-name"]?.stringValue ?? host)
        if let ca = v["ca-cert"]?.stringValue { tls.trust = .caFile(ca) }
        tls.extraCAFile = v["extra-ca-cert"]?.stringValue
        do {
            tls.pins = try (v["pins"]?.arrayValue ?? []).map { (p) throws(TLSError) in
                try TLSPin(parsing: p.stringValue ?? "")
            }
        } catch {
            throw Invalid(description: "option \"pins\": \(error)")
        }
        if let t = v["tls-min"]?.stringValue { tls.minVersion = try version(t, key: "tls-min") }
        if let t = v["tls-max"]?.stringValue { tls.maxVersion = try version(t, key: "tls-max") }
        if v["insecure-skip-verify"]?.boolValue == true { tls.insecureSkipVerify = true }
        if v["no-sni"]?.boolValue == true { tls.sni = false }

        let fullUser = v["domain"]?.stringValue.map { "\($0)\\\(user)" } ?? user
        var ppp = PPPClientConfiguration(userName: fullUser, password: password)
        var refused: Set<PPPAuthenticationMethod> = []
        for item in v["refuse"]?.arrayValue ?? [] {
            switch item.stringValue {
            case "pap": refused.insert(.pap)
            case "chap": refused.insert(.chapMD5)
            case "mschapv2": refused.insert(.mschapv2)
            case "eap": refused.insert(.eapMSCHAPv2)
            default: throw Invalid(description: "option \"refuse\": unknown method \(item)")
            }
        }
        guard refused.count < PPPAuthenticationMethod.clientPreference.count else {
            throw Invalid(description: "option \"refuse\" refuses every method")
        }
        ppp.refusedMethods = refused
        if v["ipv6"]?.boolValue == false { ppp.requestIPv6 = false }
        if v["allow-weak-auth-without-verify"]?.boolValue == true {
            ppp.allowWeakAuthenticationWithoutVerification = true
        }

        var options = ClientOptions(server: host, tls: tls, ppp: ppp)
        options.port = port
        if let name = v["interface"]?.stringValue {
            guard !name.isEmpty, name.utf8.count < 16 else {
                throw Invalid(description: "option \"interface\": 1 to 15 characters")
            }
            options.interfaceName = name
        }
        if let mtu = v["mtu"]?.uint32Value {
            guard (576...4087).contains(mtu) else { throw Invalid(description: "option \"mtu\": 576 to 4087") }
            options.mtu = Int(mtu)
        }
        if v["default-route"]?.boolValue == true {
            options.routes = .defaultRoute
        } else if let routes = v["routes"]?.arrayValue, !routes.isEmpty {
            var networks: [(address: [UInt8], prefixLength: Int)] = []
            for route in routes { networks.append(try cidr(route.stringValue ?? "")) }
            options.routes = .networks(networks)
        }
        if v["dns"]?.boolValue == false { options.configureDNS = false }
        if let hello = v["hello-interval"]?.uint32Value {
            guard (5...3600).contains(hello) else { throw Invalid(description: "option \"hello-interval\": 5 to 3600") }
            options.sstpTimers.hello = .seconds(Int(hello))
        }
        if let backend = v["backend"]?.stringValue {
            guard let kind = ClientOptions.Backend(rawValue: backend) else {
                throw Invalid(description: "option \"backend\": userspace or pppd")
            }
            options.backend = kind
        }
        if let proxy = v["proxy"]?.stringValue {
            let (proxyHost, proxyPort) = try hostPort(proxy, defaultPort: 3128, key: "proxy")
            var proxyPassword = v["proxy-password"]?.stringValue
            if let file = v["proxy-password-file"]?.stringValue {
                proxyPassword = try readSecret(file, key: "proxy-password-file")
            }
            options.proxy = ClientOptions.Proxy(
                host: proxyHost, port: proxyPort, user: v["proxy-user"]?.stringValue, password: proxyPassword)
        }
        return options
    }

    /// The first line of a file (the service runs as root and reads it).
    static func readSecret(_ path: String, key: String) throws(Invalid) -> String {
        guard let f = fopen(path, "r") else {
            throw Invalid(description: "option \"\(key)\": cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        while bytes.count < 4096 {
            let c = fgetc(f)
            if c == EOF || c == 10 { break }
            bytes.append(UInt8(truncatingIfNeeded: c))
        }
        if bytes.last == 13 { bytes.removeLast() }
        guard !bytes.isEmpty else { throw Invalid(description: "option \"\(key)\": \(path) is empty") }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hostPort(_ text: String, defaultPort: UInt16, key: String) throws(Invalid) -> (String, UInt16) {
        if text.filter({ $0 == ":" }).count == 1, let colon = text.lastIndex(of: ":") {
            guard let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
                throw Invalid(description: "option \"\(key)\": the port must be 1 to 65535")
            }
            return (String(text[..<colon]), port)
        }
        return (text, defaultPort)
    }

    static func version(_ text: String, key: String) throws(Invalid) -> TLSVersion {
        switch text {
        case "1.2": .tls12
        case "1.3": .tls13
        default: throw Invalid(description: "option \"\(key)\": 1.2 or 1.3")
        }
    }

    static func cidr(_ text: String) throws(Invalid) -> (address: [UInt8], prefixLength: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = SocketAddress.parseNumeric(String(parts[0])), address.count == 4,
            let prefix = Int(parts[1]), (0...32).contains(prefix)
        else { throw Invalid(description: "option \"routes\": \"\(text)\" is not an IPv4 CIDR network") }
        return (address, prefix)
    }
}
