import Glibc

/// The server name a client verifies: a DNS host name, or an IP address
/// literal. An IP literal is matched against the certificate's IP address
/// SANs and is never sent as SNI (RFC 6066 §3).
enum TLSPeerName: Hashable, Sendable {
    case host(String)
    case ipAddress(String)

    /// Accepts "vpn.example.com", "vpn.example.com." (the root dot is
    /// dropped), "192.0.2.1", "2001:db8::1" and "[2001:db8::1]". Names must
    /// be ASCII: pass internationalized names in their "xn--" form.
    init(parsing text: String) throws(TLSError) {
        var name = text
        if name.hasPrefix("["), name.hasSuffix("]"), name.count > 2 {
            name = String(name.dropFirst().dropLast())
        }
        if Self.isIPAddress(name) {
            self = .ipAddress(name)
            return
        }
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw .invalidServerName(text, reason: "it is empty") }
        guard name.utf8.count <= 253 else {
            throw .invalidServerName(text, reason: "it is longer than 253 characters")
        }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty else {
                throw .invalidServerName(text, reason: "it has an empty label (\"..\")")
            }
            guard label.utf8.count <= 63 else {
                throw .invalidServerName(text, reason: "a label is longer than 63 characters")
            }
            for byte in label.utf8 where !Self.isHostNameByte(byte) {
                throw .invalidServerName(
                    text,
                    reason: byte >= 0x80
                        ? "it is not ASCII; give the IDNA form (xn--...)"
                        : "it contains \"\(Character(Unicode.Scalar(byte)))\"")
            }
        }
        self = .host(name)
    }

    /// The name as given to OpenSSL.
    var text: String {
        switch self {
        case .host(let name), .ipAddress(let name): name
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// Letters, digits, "-" and "_" (seen in internal names; a certificate
    /// check still has to match them).
    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
