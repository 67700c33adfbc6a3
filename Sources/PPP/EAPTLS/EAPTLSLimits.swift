/// Bounds on what one EAP-TLS message may grow to while it is reassembled.
///
/// RFC 5216 §3.1 lets the TLS Message Length reach 2^32 - 1, which no peer
/// should buffer for an untrusted server. The largest real flight is the
/// server's Certificate chain: RFC 9191 §1 and §4 describe chains of a few
/// certificates of 1-2 KB each and mention that some EAP implementations
/// give up after about 50 round trips; 64 KiB holds a chain of dozens of
/// large certificates (several times what NPS or FreeRADIUS send) while
/// capping the memory an attacker can make us hold. 64 KiB in fragments of
/// the smallest sensible size (a 1000-byte PPP MRU) is 66 fragments; 256
/// fragments leaves room for servers that fragment smaller, and bounds the
/// round trips as RFC 9191 §4 recommends.
public struct EAPTLSLimits: Hashable, Sendable {
    public var maxMessageLength: Int
    public var maxFragments: Int

    public init(maxMessageLength: Int = 65536, maxFragments: Int = 256) {
        self.maxMessageLength = maxMessageLength
        self.maxFragments = maxFragments
    }

    public static let `default` = EAPTLSLimits()
}
