public import SSTPTLS

/// What values an option takes. Each kind parses text (the command line,
/// the config file, vpn.data, or a D-Bus value turned into text) into an
/// `OptionValue`, or says what is allowed.
public enum OptionKind: Sendable {
    /// yes or no (the config file and the command line also take true/false,
    /// on/off, 1/0; vpn.data only yes/no, as nm-plugin's C check).
    case bool
    /// A whole decimal number in the range: digits only, no sign.
    case uint(ClosedRange<Int>)
    /// Any text up to the byte limit (nil: no limit).
    case string(maxBytes: Int?)
    /// One of the words (aliases map other spellings to a word; vpn.data
    /// takes only the words).
    case choice([String], aliases: [String: String] = [:])
    /// HOST, HOST:PORT or [IPv6]:PORT.
    case hostPort(defaultPort: UInt16)
    /// sha256:BASE64 of a certificate or public key (32 bytes).
    case pin
    /// A file that must exist and be readable when the option is used.
    case path
    /// A file whose first line is a secret (at most `SecretFileLimit.bytes`);
    /// `-` is standard input on the command line.
    case secretFile
    /// A secret given as the value itself (D-Bus only; never logged).
    case secret
    /// An IPv4 network in CIDR notation, 10.0.0.0/8.
    case ipv4Network
    /// A Linux interface name or a pattern with %d (1 to 15 bytes).
    case interfaceName
}

/// A parsed option value.
public enum OptionValue: Sendable, Equatable {
    case bool(Bool)
    case number(Int)
    case text(String)
    case hostPort(host: String, port: UInt16)
    case pin(TLSPin)
    case network(address: [UInt8], prefixLength: Int)

    var text: String {
        switch self {
        case .text(let s): s
        default: ""
        }
    }
}

/// Why a value is not accepted: `reason` says what is allowed; the front
/// end adds where the value came from (`--mtu`, `file:3: mtu`, `vpn.data
/// mtu`, `option "mtu"`).
public struct OptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Which front end text came from: they differ only in how strict the
/// spelling of booleans and choices is.
public enum OptionFrontEnd: Sendable {
    case commandLine
    case configFile
    case vpnData
    case dbus
}

extension OptionKind {
    public var isBool: Bool {
        if case .bool = self { return true }
        return false
    }

    /// One value from text.
    public func parse(_ text: String, from frontEnd: OptionFrontEnd) throws(OptionError) -> OptionValue {
        switch self {
        case .bool:
            return .bool(try Self.parseBool(text, strict: frontEnd == .vpnData))
        case .uint(let range):
            return .number(try Self.parseUInt(text, range: range))
        case .string(let maxBytes):
            if let maxBytes, text.utf8.count > maxBytes {
                throw OptionError("at most \(maxBytes) bytes, not \(text.utf8.count)")
            }
            return .text(text)
        case .choice(let words, let aliases):
            if words.contains(text) { return .text(text) }
            if frontEnd != .vpnData, let word = aliases[text] { return .text(word) }
            throw OptionError("give \(Self.orList(words)), not \"\(text)\"")
        case .hostPort(let defaultPort):
            let (host, port) = try HostPort.parse(text, defaultPort: defaultPort)
            return .hostPort(host: host, port: port)
        case .pin:
            do {
                return .pin(try TLSPin(parsing: text.trimmingSpaces()))
            } catch {
                throw OptionError("\(error)")
            }
        case .path, .secretFile:
            let path = text.hasPrefix("file://") ? String(text.dropFirst(7)) : text
            guard !path.isEmpty else { throw OptionError("give a file name") }
            guard !path.utf8.contains(0) else { throw OptionError("a file name has no NUL byte") }
            return .text(path)
        case .secret:
            guard text.utf8.count <= SecretFileLimit.bytes else {
                throw OptionError("at most \(SecretFileLimit.bytes) bytes")
            }
            return .text(text)
        case .ipv4Network:
            return try Self.parseNetwork(text)
        case .interfaceName:
            return .text(try Self.parseInterfaceName(text))
        }
    }

    static func parseBool(_ text: String, strict: Bool) throws(OptionError) -> Bool {
        if strict {
            switch text {
            case "yes": return true
            case "no": return false
            default: throw OptionError("give yes or no, not \"\(text)\"")
            }
        }
        switch text.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw OptionError("give yes or no (or true/false, on/off, 1/0), not \"\(text)\"")
        }
    }

    static func parseUInt(_ text: String, range: ClosedRange<Int>) throws(OptionError) -> Int {
        let allowed = "give a whole number from \(range.lowerBound) to \(range.upperBound)"
        // Digits only (no sign, no spaces), and few enough that Int holds them.
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(text)
        else { throw OptionError("\(allowed), not \"\(text)\"") }
        guard range.contains(value) else { throw OptionError("\(allowed), not \(value)") }
        return value
    }

    static func parseNetwork(_ text: String) throws(OptionError) -> OptionValue {
        let refusal = OptionError("give an IPv4 network like 10.0.0.0/8, not \"\(text)\"")
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix),
            parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { throw refusal }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { throw refusal }
        var address: [UInt8] = []
        for octet in octets {
            guard (1...3).contains(octet.utf8.count), octet.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let byte = UInt8(octet)
            else { throw refusal }
            address.append(byte)
        }
        return .network(address: address, prefixLength: prefix)
    }

    /// Linux interface names: 1 to 15 bytes (IFNAMSIZ 16 with the NUL),
    /// no "/", ":" or white space, not "." or "..".
    static func parseInterfaceName(_ text: String) throws(OptionError) -> String {
        guard !text.isEmpty, text.utf8.count <= 15 else {
            throw OptionError("interface names have 1 to 15 characters")
        }
        guard text != ".", text != "..",
            !text.utf8.contains(where: { $0 == 0x2F || $0 == 0x3A || $0 <= 0x20 || $0 == 0x7F })
        else { throw OptionError("\"\(text)\" is not an interface name (no /, :, spaces)") }
        return text
    }

    static func orList(_ words: [String]) -> String {
        guard let last = words.last else { return "" }
        if words.count == 1 { return last }
        return words.dropLast().joined(separator: ", ") + " or " + last
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
