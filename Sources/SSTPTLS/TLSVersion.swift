import CSSTPOpenSSL

/// The TLS versions this client speaks. Older ones are not offered at all:
/// TLS 1.0 and 1.1 are deprecated (RFC 8996) and Debian's OpenSSL refuses
/// them at its default security level anyway.
public enum TLSVersion: Int, Comparable, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case tls12 = 0x0303
    case tls13 = 0x0304

    /// Parses "1.2" or "1.3" (as in `--tls-min 1.2`); "tls1.2" and
    /// "TLSv1.3" are accepted too.
    public init?(parsing text: String) {
        var t = text.lowercased()
        if t.hasPrefix("tlsv") {
            t.removeFirst(4)
        } else if t.hasPrefix("tls") {
            t.removeFirst(3)
        }
        switch t {
        case "1.2": self = .tls12
        case "1.3": self = .tls13
        default: return nil
        }
    }

    /// The protocol version number of OpenSSL's SSL_version().
    init?(openSSLVersion: Int32) {
        self.init(rawValue: Int(openSSLVersion))
    }

    var openSSLValue: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }

    public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .tls12: "TLS 1.2"
        case .tls13: "TLS 1.3"
        }
    }
}
