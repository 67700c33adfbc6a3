/// Why the HDLC-like decoder dropped a frame (RFC 1662 §3, §4).
public enum HDLCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The FCS over the frame did not end at 0xf0b8 (RFC 1662 §C.2).
    case badFrameCheckSequence(length: Int)
    /// Fewer than 4 octets between flags (RFC 1662 §3: 2 of content and
    /// the 2-octet FCS at the least); such frames are silently discarded.
    case frameTooShort(length: Int)
    /// More than the decoder's limit before the closing flag; the rest up
    /// to the next flag is skipped.
    case frameTooLong(limit: Int)
    /// The abort sequence 0x7d 0x7e ended the frame (RFC 1662 §4.2).
    case aborted

    public var description: String {
        switch self {
        case .badFrameCheckSequence(let length):
            "HDLC frame of \(length) bytes has a bad FCS (RFC 1662 §C.2)"
        case .frameTooShort(let length):
            "HDLC frame of \(length) bytes is too short to hold a frame and its FCS (RFC 1662 §3)"
        case .frameTooLong(let limit):
            "HDLC frame exceeds \(limit) bytes before its closing flag"
        case .aborted:
            "HDLC frame aborted by 0x7d 0x7e (RFC 1662 §4.2)"
        }
    }
}
