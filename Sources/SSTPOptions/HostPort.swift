/// HOST, HOST:PORT or [IPv6]:PORT (a bare IPv6 address has several colons
/// and no port).
public enum HostPort {
    public static func parse(_ text: String, defaultPort: UInt16) throws(OptionError) -> (String, UInt16) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw OptionError("\"\(text)\": an address in [ ] needs the closing ]")
            }
            let host = String(text[text.index(after: text.startIndex)..<close])
            guard !host.isEmpty else { throw OptionError("\"\(text)\": no address inside [ ]") }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, defaultPort) }
            guard rest.hasPrefix(":") else { throw OptionError("\"\(text)\" is not HOST:PORT") }
            return (host, try port(rest.dropFirst(), in: text))
        }
        guard !text.isEmpty else { throw OptionError("give a host name or address") }
        let colons = text.utf8.filter { $0 == 0x3A }.count
        if colons == 1, let colon = text.lastIndex(of: ":") {
            let host = String(text[..<colon])
            guard !host.isEmpty else { throw OptionError("\"\(text)\": the host is missing") }
            return (host, try port(text[text.index(after: colon)...], in: text))
        }
        return (text, defaultPort)
    }

    static func port(_ digits: Substring, in text: String) throws(OptionError) -> UInt16 {
        guard !digits.isEmpty, digits.utf8.count <= 5, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let port = UInt16(digits), port > 0
        else { throw OptionError("\"\(text)\": the port must be a number from 1 to 65535") }
        return port
    }
}
