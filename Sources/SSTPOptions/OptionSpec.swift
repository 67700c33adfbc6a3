/// One option, declared once in `OptionTable.all`: its name in each front
/// end (nil where that front end does not have it), its kind, default and
/// help, and what it does to the options being built.
public struct OptionSpec: Sendable {
    /// How the option is spelled on the command line.
    public enum CommandLine: Sendable, Equatable {
        /// `--name VALUE`.
        case option(String)
        /// `--name` alone (kind .bool), optionally with a short `-x`.
        case flag(String, short: Character? = nil)
        /// The positional argument, named for the help text.
        case argument(String)

        public var name: String {
            switch self {
            case .option(let n), .flag(let n, _), .argument(let n): n
            }
        }
    }

    /// A key in a key/value front end; `inverted` for a boolean whose sense
    /// is the opposite of the command-line flag (vpn.data `ipv6` = no is
    /// `--no-ipv6`).
    public struct Key: Sendable, Equatable {
        public var name: String
        public var inverted: Bool
        public init(_ name: String, inverted: Bool = false) {
            self.name = name
            self.inverted = inverted
        }
    }

    /// A D-Bus key with its signature: s, b, u or as.
    public struct DBusKey: Sendable, Equatable {
        public var name: String
        public var signature: String
        public var inverted: Bool
        public init(_ name: String, _ signature: String, inverted: Bool = false) {
            self.name = name
            self.signature = signature
            self.inverted = inverted
        }
    }

    public typealias Apply = @Sendable (inout OptionTarget, OptionValue) throws(OptionError) -> Void

    /// A name for the option in messages and documentation.
    public var id: String
    public var commandLine: CommandLine?
    /// The `--config` file's key.
    public var configKey: String?
    /// NetworkManager's vpn.data key.
    public var vpnData: Key?
    /// Separator of several values in one vpn.data string (cert-pin).
    public var vpnDataSeparator: Character?
    /// The standalone D-Bus API's key (net.sstpclient.Client1.Manager.Connect).
    public var dbus: DBusKey?
    public var kind: OptionKind
    /// May be given more than once (each value applies); otherwise the last
    /// one given wins.
    public var repeatable: Bool
    /// The default, as documentation text ("" when there is none).
    public var defaultText: String
    /// One line of help.
    public var help: String
    /// The value's placeholder in help texts (HOST[:PORT], FILE, N).
    public var valueName: String
    /// Accepted for compatibility but without effect (vpn.data keys of
    /// network-manager-sstp that do not apply over SSTP with our PPP):
    /// noted once when set.
    public var noEffect: Bool
    public var apply: Apply?

    public init(
        _ id: String, cli: CommandLine? = nil, config: String? = nil, vpnData: Key? = nil,
        vpnDataSeparator: Character? = nil, dbus: DBusKey? = nil, kind: OptionKind, repeatable: Bool = false,
        default defaultText: String = "", valueName: String? = nil, help: String, noEffect: Bool = false,
        apply: Apply? = nil
    ) {
        self.id = id
        self.commandLine = cli
        self.configKey = config
        self.vpnData = vpnData
        self.vpnDataSeparator = vpnDataSeparator
        self.dbus = dbus
        self.kind = kind
        self.repeatable = repeatable
        self.defaultText = defaultText
        self.help = help
        self.valueName = valueName ?? kind.defaultValueName
        self.noEffect = noEffect
        self.apply = apply
    }

    /// Whether a value in this front end's spelling means the opposite of
    /// the command-line sense.
    func inverted(in frontEnd: OptionFrontEnd) -> Bool {
        switch frontEnd {
        case .commandLine, .configFile: false
        case .vpnData: vpnData?.inverted ?? false
        case .dbus: dbus?.inverted ?? false
        }
    }

    /// The option's name as the user wrote it in that front end.
    public func name(in frontEnd: OptionFrontEnd) -> String {
        switch frontEnd {
        case .commandLine:
            switch commandLine {
            case .argument(let n): n.uppercased()
            case .some(let c): "--" + c.name
            case nil: id
            }
        case .configFile: configKey ?? id
        case .vpnData: "vpn.data " + (vpnData?.name ?? id)
        case .dbus: "option \"\(dbus?.name ?? id)\""
        }
    }
}

extension OptionKind {
    var defaultValueName: String {
        switch self {
        case .bool: "yes|no"
        case .uint: "N"
        case .string: "TEXT"
        case .choice(let words, _): words.joined(separator: "|")
        case .hostPort: "HOST[:PORT]"
        case .pin: "sha256:BASE64"
        case .path, .secretFile: "FILE"
        case .secret: "SECRET"
        case .ipv4Network: "CIDR"
        case .interfaceName: "NAME"
        }
    }

    /// A short description of what is allowed, for documentation.
    public var summary: String {
        switch self {
        case .bool: "boolean (yes or no)"
        case .uint(let r): "whole number, \(r.lowerBound) to \(r.upperBound)"
        case .string(let max): max.map { "text, at most \($0) bytes" } ?? "text"
        case .choice(let words, _): "one of: " + words.joined(separator: ", ")
        case .hostPort(let port): "HOST, HOST:PORT or [IPv6]:PORT (port \(port) by default)"
        case .pin: "sha256:BASE64 (SHA-256 of the certificate or its public key)"
        case .path: "file name (must exist)"
        case .secretFile: "file name; its first line is the secret, at most \(SecretFileLimit.bytes) bytes"
        case .secret: "secret text"
        case .ipv4Network: "IPv4 network, CIDR (10.0.0.0/8)"
        case .interfaceName: "interface name or pattern (sstp%d), 1 to 15 bytes"
        }
    }
}
