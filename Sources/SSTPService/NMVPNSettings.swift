public import SSTPDBus
import SSTPOptions
import SSTPPlatform
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

    /// The vpn.data keys: network-manager-sstp 1.3's (shared/nm-service-
    /// defines.h) with the same meaning, plus this project's additions; each
    /// declared in SSTPOptions/OptionTable.swift with its kind and range.
    /// Keys of network-manager-sstp that have no effect over SSTP with our
    /// own PPP are accepted and noted once.
    public static var dataKeys: Set<String> { Set(OptionTable.all.compactMap { $0.vpnData?.name }) }

    public static let secretKeys: Set<String> = ["password", "proxy-password", "tls-user-key-secret", "no-secret"]

    public var data: [String: String]
    public var secrets: [String: String]
    /// vpn.user-name, the fallback for `user`.
    public var userName: String?
    /// vpn.persistent: reconnect after a lost session (issue 14).
    public var persistent = false
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
        persistent = vpn["persistent"]?.unwrapped.boolValue ?? false
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
    /// For connection-type=tls the secret is the key's passphrase
    /// (tls-user-key-secret), as in network-manager-sstp.
    public var needsPassword: Bool {
        if data["connection-type"] == "tls" {
            if let secret = secrets["tls-user-key-secret"], !secret.isEmpty { return false }
            return (UInt32(data["tls-user-key-secret-flags"] ?? "0") ?? 0) & 4 == 0
        }
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
        var inputs: [OptionInput] = []
        for key in data.keys.sorted() {
            guard let spec = OptionTable.byVPNDataKey(key) else {
                throw Invalid(description: "unknown vpn.data key \"\(key)\"")
            }
            let value = data[key] ?? ""
            // Text keys left empty by nm-connection-editor mean "not set";
            // a boolean or a choice must still be one of its words.
            if value.isEmpty {
                switch spec.kind {
                case .bool, .choice: break
                default: continue
                }
            }
            if let separator = spec.vpnDataSeparator {
                for part in value.split(separator: separator) {
                    inputs.append(OptionInput(spec: spec, text: String(part), from: .vpnData))
                }
            } else {
                inputs.append(OptionInput(spec: spec, text: value, from: .vpnData))
            }
        }
        for key in secrets.keys.sorted() where !Self.secretKeys.contains(key) {
            throw Invalid(description: "unknown vpn.secrets key \"\(key)\"")
        }
        // network-manager-sstp allows only these characters in gateway.
        if let gateway = data["gateway"], !gateway.unicodeScalars.allSatisfy({ Self.gatewayCharacters.contains($0) }) {
            throw Invalid(description: "vpn.data gateway \"\(gateway)\" has characters other than A-Z a-z 0-9 - . :")
        }
        var target = OptionTarget()
        // The service applies the configuration NetworkManager hands out.
        target.configureDNS = false
        do {
            target = try OptionTable.build(inputs, files: Self.files, into: target)
        } catch {
            throw Invalid(description: error.description)
        }
        notes = target.notes
        guard target.host != nil else { throw Invalid(description: "vpn.data gateway (the server) is missing") }
        if target.user == nil { target.user = userName }
        // network-manager-sstp's EAP-TLS profiles name the identity with
        // tls-identity or tls-subject-name, or not at all (the certificate).
        guard target.user != nil || target.auth == "tls" else {
            throw Invalid(description: "vpn.data user (or vpn.user-name) is missing")
        }
        target.password = secrets["password"] ?? ""
        if target.proxyUser != nil { target.proxyPassword = secrets["proxy-password"] ?? "" }
        if let secret = secrets["tls-user-key-secret"], !secret.isEmpty {
            target.eap.keyPassphrase = Array(secret.utf8)
        }
        var options: ClientOptions
        do {
            options = try target.finish(keepalive: .bothRequired)
        } catch {
            // The table names the option; NetworkManager's user knows its vpn.data key.
            let key = error.option == "refuse" ? "refuse-*" : OptionTable.spec(error.option)?.vpnData?.name
            throw Invalid(description: "vpn.data \(key ?? error.option): \(error.reason)")
        }
        options.configureInterface = false
        options.configureDNS = false
        // NetworkManager keeps the TUN's addresses and routes (from
        // Ip4Config); the plugin stays up while the call reconnects.
        if persistent { options.reconnect = true }
        return options
    }

    /// Files named in vpn.data (ca-cert, extra-ca-cert) must exist when the
    /// connection starts; the service reads no secret files for NM.
    static let files = OptionFiles(
        readSecret: { (path) throws(OptionError) in throw OptionError("vpn.data names no secret file (\(path))") },
        checkReadable: { (path) throws(OptionError) in
            do {
                try SecretFile.checkReadable(path)
            } catch {
                throw OptionError("\(error)")
            }
        })

    static let gatewayCharacters: Set<Unicode.Scalar> = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.:".unicodeScalars)
}
