/// How the authentication server's certificate must name it, beyond its
/// chain: network-manager-sstp's `tls-verify-method` with `tls-remotename`,
/// read as pppd 2.5's EAP-TLS reads them (pppd/tls.c, tls_verify_callback),
/// plus the RFC 6125 host name check this client applies when only a name
/// is given.
public enum EAPServerNameRule: Hashable, Sendable {
    /// The chain alone (`none`, or no name given).
    case chainOnly
    /// RFC 6125: a subjectAltName DNS name or IP address (the CN when there
    /// are no DNS names) matches; the default when a name is given without
    /// a method.
    case host(String)
    /// `name`: the subject's common name is exactly this.
    case commonName(String)
    /// `subject`: the whole subject in OpenSSL's one-line form
    /// ("/C=DE/O=Example/CN=radius.example.com") is exactly this.
    case subject(String)
    /// `suffix`: the common name is this name, or ends with it at a label
    /// boundary ("example.com" matches "radius.example.com", not
    /// "badexample.com"; pppd compares the bare bytes, which accepts both).
    case commonNameSuffix(String)

    /// The methods `tls-verify-method` takes (network-manager-sstp's
    /// NM_SSTP_VERIFY_MODE_*).
    public static let methods = ["none", "name", "subject", "suffix"]

    /// From the method and the name as given (nil or empty: not given).
    public init(method: String?, name: String?) throws(EAPServerNameRuleError) {
        let name = name.flatMap { $0.isEmpty ? nil : $0 }
        switch method.flatMap({ $0.isEmpty ? nil : $0 }) {
        case nil: self = name.map(Self.host) ?? .chainOnly
        case "none": self = .chainOnly
        case let method?:
            guard Self.methods.contains(method) else { throw .unknownMethod(method) }
            guard let name else { throw .nameMissing(method: method) }
            switch method {
            case "name": self = .commonName(name)
            case "subject": self = .subject(name)
            default: self = .commonNameSuffix(name)
            }
        }
    }

    /// The method's word, for messages.
    public var method: String {
        switch self {
        case .chainOnly: "none"
        case .host: "host name"
        case .commonName: "name"
        case .subject: "subject"
        case .commonNameSuffix: "suffix"
        }
    }

    /// Whether a leaf with this common name and one-line subject passes the
    /// name-based methods (`host` is left to OpenSSL's RFC 6125 check, and
    /// `chainOnly` checks nothing: both pass here).
    public func matches(commonName: String?, subjectLine: String) -> Bool {
        switch self {
        case .chainOnly, .host: return true
        case .commonName(let name): return commonName == name
        case .subject(let name): return subjectLine == name
        case .commonNameSuffix(let suffix):
            guard let commonName else { return false }
            if commonName == suffix { return true }
            guard commonName.hasSuffix(suffix) else { return false }
            return suffix.hasPrefix(".") || commonName.dropLast(suffix.count).hasSuffix(".")
        }
    }
}

/// Why `tls-verify-method` and `tls-remotename` cannot be used together.
public enum EAPServerNameRuleError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownMethod(String)
    case nameMissing(method: String)

    public var description: String {
        switch self {
        case .unknownMethod(let method):
            "the verify method \"\(method)\" is none of " + EAPServerNameRule.methods.joined(separator: ", ")
        case .nameMissing(let method):
            "the verify method \"\(method)\" compares the authentication server's certificate with a name: "
                + "give it with --eap-server-name (vpn.data tls-remotename), or choose the method none"
        }
    }
}
