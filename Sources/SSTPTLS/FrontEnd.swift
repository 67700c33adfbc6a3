/// Who shows a message to the user, so that it names the setting they can
/// change there. Messages are written once, with the `sstp` command's
/// option names; `render` puts each front end's name for the same setting
/// in their place.
public enum FrontEnd: Sendable, CaseIterable {
    /// The `sstp` command: its flags.
    case cli
    /// NetworkManager: the profile's vpn.data keys.
    case networkManager
    /// The standalone D-Bus API (net.sstpclient.Client1): its Connect options.
    case dbus

    /// Each CLI spelling a message may contain, longest first (so that
    /// "--pin" does not take part of "--pins"), with the other two names.
    /// Add a row when a message names a new flag.
    static let settings: [(cli: String, networkManager: String, dbus: String)] = [
        ("--insecure-skip-verify", "vpn.data ignore-cert-warn=yes", "option insecure-skip-verify"),
        ("--ca-cert FILE", "vpn.data ca-cert=FILE", "option ca-cert=FILE"),
        ("--extra-ca FILE", "vpn.data extra-ca-cert=FILE", "option extra-ca-cert=FILE"),
        ("--server-name", "vpn.data server-name", "option server-name"),
        ("--ca-cert", "vpn.data ca-cert", "option ca-cert"),
        ("--extra-ca", "vpn.data extra-ca-cert", "option extra-ca-cert"),
        ("--tls-min", "vpn.data tls-min", "option tls-min"),
        ("--tls-max", "vpn.data tls-max", "option tls-max"),
        ("--no-sni", "vpn.data tls-ext=no", "option no-sni"),
        ("--no-ipv6", "vpn.data ipv6=no", "option ipv6=false"),
        ("--pin", "vpn.data cert-pin", "option pins"),
        ("--refuse-pap", "vpn.data refuse-pap=yes", "option refuse (pap)"),
        ("--refuse-chap", "vpn.data refuse-chap=yes", "option refuse (chap)"),
        ("--refuse-mschap-v2", "vpn.data refuse-mschapv2=yes", "option refuse (mschapv2)"),
        ("--refuse-eap", "vpn.data refuse-eap=yes", "option refuse (eap)"),
        ("--proxy-user", "vpn.data proxy-user", "option proxy-user"),
        ("--proxy-password-file", "vpn.secrets proxy-password", "option proxy-password-file"),
        ("--proxy", "vpn.data proxy-server and proxy-port", "option proxy"),
        ("--password-file", "vpn.secrets password", "option password-file"),
        ("--user", "vpn.data user", "option user"),
        ("--hello-interval", "vpn.data hello-interval", "option hello-interval"),
        ("--backend", "vpn.data backend", "option backend"),
        ("--mtu", "vpn.data mtu", "option mtu"),
    ]

    /// `text` (written for the command line) in this front end's terms.
    public func render(_ text: String) -> String {
        guard self != .cli, text.contains("--") else { return text }
        var out = ""
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.hasPrefix("--"), let row = Self.row(at: rest) {
                out += self == .networkManager ? row.networkManager : row.dbus
                rest = rest.dropFirst(row.cli.count)
            } else if let first = rest.first {
                out.append(first)
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// The row whose CLI name starts `text` as a whole option name ("--pin"
    /// but not "--pins").
    private static func row(at text: Substring) -> (cli: String, networkManager: String, dbus: String)? {
        for row in settings where text.hasPrefix(row.cli) {
            let next = text.dropFirst(row.cli.count).first
            if let next, next.isLetter || next == "-" { continue }
            return row
        }
        return nil
    }
}

extension TLSError {
    /// The description in the terms of `frontEnd` (see FrontEnd).
    public func description(for frontEnd: FrontEnd) -> String {
        frontEnd.render(description)
    }
}
