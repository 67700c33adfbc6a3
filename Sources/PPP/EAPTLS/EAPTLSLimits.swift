/// Bounds on what one EAP-TLS message may grow to while it is reassembled.
///
/// RFC 5216 §3.1 lets the TLS Message Length reach 2^32 - 1, which no peer
/// should buffer for a server it has not authenticated yet. The largest
/// real flight is the server's: Certificate chain plus CertificateRequest
/// with its list of CA names. RFC 9191 discusses such large flights in
/// TLS-based EAP methods; deployed authenticators cap them (HPE Aruba
/// switches document a 64 KB certificate limit for EAP-TLS), and rustls caps
/// a peer's certificate message at 64 KiB for the same memory reason. 64 KiB
/// holds a chain of several 2-4 KB certificates and a long CA name list.
/// 64 KiB in fragments of about 1000 bytes (a common EAP-TLS fragment size,
/// below a 1400-byte SSTP MTU) is 66 fragments; 256 leaves room for servers
/// that fragment smaller while bounding the number of round trips. Both are
/// parameters, so a deployment that needs more can raise them.
public struct EAPTLSLimits: Hashable, Sendable {
    public var maxMessageLength: Int
    public var maxFragments: Int

    public init(maxMessageLength: Int = 65536, maxFragments: Int = 256) {
        self.maxMessageLength = maxMessageLength
        self.maxFragments = maxFragments
    }

    public static let `default` = EAPTLSLimits()
}
