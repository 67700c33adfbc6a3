/// A server or proxy address as people write it: HOST, HOST:PORT, a bare
/// IPv6 literal, [IPv6] or [IPv6]:PORT (the URI authority form of RFC 3986
/// section 3.2.2 without the scheme).
public struct HostPort: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    /// Why a text is not HOST[:PORT].
    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String, defaultPort: UInt16) throws(Invalid) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw Invalid(description: "\"\(text)\" has no closing ] after the IPv6 address")
            }
            let inside = String(text[text.index(after: text.startIndex)..<close])
            guard !inside.isEmpty, inside.contains(":") else {
                throw Invalid(description: "\"\(text)\": only an IPv6 address goes in brackets")
            }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                self.init(host: inside, port: defaultPort)
                return
            }
            guard rest.first == ":" else { throw Invalid(description: "\"\(text)\" is not [IPv6]:PORT") }
            self.init(host: inside, port: try Self.port(rest.dropFirst(), in: text))
            return
        }
        guard !text.isEmpty else { throw Invalid(description: "the address is empty") }
        let colons = text.reduce(0) { $0 + ($1 == ":" ? 1 : 0) }
        if colons == 1, let colon = text.firstIndex(of: ":") {
            let host = String(text[..<colon])
            guard !host.isEmpty else { throw Invalid(description: "\"\(text)\" has no host before the port") }
            self.init(host: host, port: try Self.port(text[text.index(after: colon)...], in: text))
            return
        }
        // No colon: a name or IPv4 address; two or more: a bare IPv6 address.
        self.init(host: text, port: defaultPort)
    }

    private static func port(_ digits: Substring, in text: String) throws(Invalid) -> UInt16 {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let port = UInt16(digits), port > 0
        else { throw Invalid(description: "\"\(text)\": the port must be a number from 1 to 65535") }
        return port
    }

    /// host:port, with an IPv6 host in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
