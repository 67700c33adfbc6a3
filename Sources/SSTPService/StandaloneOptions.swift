public import SSTPDBus
import SSTPOptions
import SSTPPlatform
public import SSTPTunnel

/// The a{sv} options of net.sstpclient.Client1.Manager.Connect. Every key
/// is typed; an unknown key or a wrong type is refused by name. The keys,
/// their D-Bus types, ranges and meaning are the `dbus:` names of
/// SSTPOptions/OptionTable.swift (listed in sstp-service(8), `make docs`):
/// server, user, password or password-file, domain, ca-cert, extra-ca-cert,
/// server-name, pins, tls-min, tls-max, insecure-skip-verify, no-sni, proxy,
/// proxy-user, proxy-password(-file), refuse, ipv6, interface, mtu,
/// default-route, routes, dns, hello-interval, backend.
public enum StandaloneOptions {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// The keys and their D-Bus signatures, from SSTPOptions' table.
    static var types: [String: String] {
        var out: [String: String] = [:]
        for spec in OptionTable.all {
            if let key = spec.dbus { out[key.name] = key.signature }
        }
        return out
    }

    public static func parse(_ dict: [String: DBusValue]) throws(Invalid) -> ClientOptions {
        var inputs: [OptionInput] = []
        for key in dict.keys.sorted() {
            guard let spec = OptionTable.byDBusKey(key), let type = spec.dbus?.signature, let value = dict[key] else {
                throw Invalid(description: "unknown option \"\(key)\"")
            }
            let inner = value.unwrapped
            guard inner.signature == type else {
                throw Invalid(description: "option \"\(key)\" must have type \(type), not \(inner.signature)")
            }
            for text in texts(of: inner) {
                inputs.append(OptionInput(spec: spec, text: text, from: .dbus))
            }
        }
        guard let serverText = dict["server"]?.unwrapped.stringValue, !serverText.isEmpty else {
            throw Invalid(description: "option \"server\" is required")
        }
        // EAP-TLS authenticates with the certificate: no password, and the
        // identity may come from the certificate.
        let certificateOnly = dict["auth"]?.unwrapped.stringValue == "tls"
        guard dict["user"]?.unwrapped.stringValue?.isEmpty == false || certificateOnly else {
            throw Invalid(description: "option \"user\" is required")
        }
        guard dict["password"] != nil || dict["password-file"] != nil || certificateOnly else {
            throw Invalid(description: "option \"password\" or \"password-file\" is required")
        }
        let target: OptionTarget
        do {
            target = try OptionTable.build(inputs, files: files)
        } catch {
            throw Invalid(description: error.description)
        }
        do {
            return try target.finish(keepalive: .failureAtLeastOne)
        } catch {
            throw Invalid(description: "option \"\(error.option)\": \(error.reason)")
        }
    }

    /// A typed D-Bus value as the table's text: b as yes/no, u in decimal,
    /// as one text per element.
    static func texts(of value: DBusValue) -> [String] {
        if let b = value.boolValue { return [b ? "yes" : "no"] }
        if let u = value.uint32Value { return ["\(u)"] }
        if let s = value.stringValue { return [s] }
        return (value.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The service runs as root and reads the files it is told to, at most
    /// SecretFileLimit.bytes of a first line.
    static let files = OptionFiles(
        readSecret: { (path) throws(OptionError) in
            do {
                return try SecretFile.firstLine(path, limit: SecretFileLimit.bytes)
            } catch {
                throw OptionError("\(error)")
            }
        },
        checkReadable: { (path) throws(OptionError) in
            do {
                try SecretFile.checkReadable(path)
            } catch {
                throw OptionError("\(error)")
            }
        })
}
