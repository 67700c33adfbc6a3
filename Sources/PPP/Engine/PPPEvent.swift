/// What the I/O layer tells an engine.
public enum PPPEvent: Hashable, Sendable {
    /// The lower layer (SSTP) is ready to carry PPP frames (RFC 1661 §4.3 Up).
    case lowerUp
    /// The lower layer is gone (RFC 1661 §4.3 Down); the engine ends with
    /// `.linkDown`.
    case lowerDown
    /// A whole PPP frame, as carried in an SSTP data packet: `ff 03`, the
    /// Protocol field, the Information field.
    case frame([UInt8])
    /// A deadline set with `.setTimer` has passed.
    case timerExpired(PPPTimer)
    /// Administrative Close (RFC 1661 §4.3): LCP sends Terminate-Request
    /// with this reason, and the engine ends with `.linkDown(.closedLocally)`.
    case close(String)
    /// The authentication server answered the EAP Response of the last
    /// `.eapToBackend` (server role with `eapPassThrough`).
    case eapBackend(EAPBackendAnswer)
}
