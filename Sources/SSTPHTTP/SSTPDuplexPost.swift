/// The HTTPS exchange that opens an SSTP connection (MS-SSTP 3.2.4.1, 4.1):
/// the client's SSTP_DUPLEX_POST and the server's 200.
public enum SSTPDuplexPost {
    /// §3.2.4.1: the method.
    public static let method = "SSTP_DUPLEX_POST"
    /// §3.2.4.1: the one request target SSTP uses.
    public static let path = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"
    /// §3.2.4.1, §4.1: Content-Length is ULONGLONG_MAX in both directions.
    public static let contentLength = "18446744073709551615"

    /// The client's request: request line, Host, Content-Length and
    /// SSTPCORRELATIONID ({GUID}, a new one per attempt), no body.
    public static func request(host: String, port: Int = 443, correlationID: String) -> [UInt8] {
        let text =
            "\(method) \(path) HTTP/1.1\r\n"
            + "Host: \(hostHeader(host: host, port: port))\r\n"
            + "Content-Length: \(contentLength)\r\n"
            + "SSTPCORRELATIONID: \(correlationID)\r\n"
            + "\r\n"
        return Array(text.utf8)
    }

    /// Why the server did not accept the request.
    public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        case status(Int, reason: String)
        case version(String)

        public var description: String {
            switch self {
            case .status(let code, let reason):
                "the server answered the SSTP request with HTTP \(code) \(reason) instead of 200: "
                    + Self.advice(for: code)
            case .version(let v):
                "the server answered with \(v); SSTP needs HTTP/1.1 (MS-SSTP 4.1)"
            }
        }

        static func advice(for code: Int) -> String {
            switch code {
            case 301, 302, 303, 307, 308:
                "it redirects, so this address serves a web site, not SSTP; check the server name and port"
            case 400, 404, 405, 501:
                "it does not serve SSTP at this address; check the server name and port, and that SSTP is enabled on it"
            case 401, 403:
                "the server refused the connection before PPP authentication; check that your account may use SSTP"
            case 500...599:
                "the server failed or is overloaded; try again later or ask its administrator"
            default:
                "check the server name and port"
            }
        }
    }

    /// §4.1: any status but 200 is a refusal.
    public static func check(response: HTTPResponseHead) -> Refusal? {
        guard response.version == "HTTP/1.1" else { return .version(response.version) }
        guard response.status == 200 else { return .status(response.status, reason: response.reason) }
        return nil
    }

    /// The server's check of the request (§4.1): method and version; the path
    /// compared without case, as the GUID may be written either way.
    public static func check(request: HTTPRequestHead) -> (status: Int, reason: String)? {
        guard request.version == "HTTP/1.1" else { return (505, "HTTP Version Not Supported") }
        guard request.method == method else { return (405, "Method Not Allowed") }
        let target = request.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard target.lowercased() == path.lowercased() else { return (404, "Not Found") }
        return nil
    }

    /// The server's 200 (§4.1). `date` is an IMF-fixdate (RFC 9110 §5.6.7);
    /// the caller supplies it so this stays free of clocks.
    public static func okResponse(date: String) -> [UInt8] {
        let text =
            "HTTP/1.1 200 OK\r\n"
            + "Content-Length: \(contentLength)\r\n"
            + "Server: Microsoft-HTTPAPI/2.0\r\n"
            + "Date: \(date)\r\n"
            + "\r\n"
        return Array(text.utf8)
    }

    /// A refusal from the server side, closing the connection.
    public static func errorResponse(status: Int, reason: String) -> [UInt8] {
        Array("HTTP/1.1 \(status) \(reason)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
    }

    /// Host header value: IPv6 literals in brackets, port only if not 443.
    public static func hostHeader(host: String, port: Int) -> String {
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return port == 443 ? name : "\(name):\(port)"
    }

    /// Formats 16 random bytes as a version-4 GUID in braces, the form of
    /// MS-DTYP 2.3.4.3 that SSTPCORRELATIONID uses.
    public static func correlationID(random: [UInt8]) -> String {
        var b = Array(random.prefix(16))
        while b.count < 16 { b.append(0) }
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        let hex = b.map { byte -> String in
            let s = String(byte, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }
        let groups = [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]]
        return "{" + groups.map { $0.joined() }.joined(separator: "-") + "}"
    }
}
