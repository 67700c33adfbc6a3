import ByteCoding

/// The HTTP CONNECT exchange with a web proxy (MS-SSTP 4.5, RFC 9110 §9.3.6).
public enum HTTPConnect {
    /// `CONNECT host:port`, Host, `SSTPVERSION: 1.0` (§4.5: lets proxy
    /// administrators recognise SSTP), and Basic credentials if given
    /// (RFC 7617). The bytes carry the proxy password: never log them.
    public static func request(host: String, port: Int, basicCredentials: (user: String, password: String)?)
        -> [UInt8]
    {
        // RFC 9110 §9.3.6: the target is always host:port (IPv6 in brackets).
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let target = "\(name):\(port)"
        var text =
            "CONNECT \(target) HTTP/1.1\r\n"
            + "Host: \(target)\r\n"
            + "SSTPVERSION: 1.0\r\n"
        if let credentials = basicCredentials {
            let token = Base64.encode(Array("\(credentials.user):\(credentials.password)".utf8))
            text += "Proxy-Authorization: Basic \(token)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// Why the proxy did not open the tunnel.
    public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        /// 407 (or 401, which some proxies, tinyproxy among them, send for
        /// wrong credentials): the proxy wants credentials or refused the ones
        /// sent. The schemes it offers, from Proxy-Authenticate.
        case authenticationRequired(status: Int, schemes: [String], credentialsSent: Bool)
        case status(Int, reason: String)

        public var description: String {
            switch self {
            case .authenticationRequired(let status, let schemes, let sent):
                let offered = schemes.isEmpty ? "" : " (it offers: \(schemes.joined(separator: ", ")))"
                if sent {
                    return "the proxy refused the proxy user name or password (HTTP \(status))\(offered): "
                        + "check the proxy credentials"
                }
                return "the proxy requires authentication (HTTP \(status))\(offered): give a proxy user "
                    + "and a proxy password file"
            case .status(let code, let reason):
                return "the proxy refused to connect to the server: HTTP \(code) \(reason)"
                    + (code == 403 ? " (the proxy's policy forbids it; SSTP may be blocked there)" : "")
            }
        }
    }

    /// RFC 9110 §9.3.6: any 2xx opens the tunnel.
    public static func check(response: HTTPResponseHead, credentialsSent: Bool) -> Refusal? {
        if (200...299).contains(response.status) { return nil }
        if response.status == 407 || response.status == 401 {
            let schemes = response.headers.all(named: "Proxy-Authenticate").compactMap {
                $0.split(separator: " ").first.map(String.init)
            }
            return .authenticationRequired(status: response.status, schemes: schemes, credentialsSent: credentialsSent)
        }
        return .status(response.status, reason: response.reason)
    }
}
