/// What an engine asks the I/O layer to do, in order.
public enum PPPAction: Hashable, Sendable {
    /// Send this whole PPP frame (`ff 03`, 2-byte Protocol, Information).
    case send([UInt8])
    /// Start or restart a timer that expires at `deadline`.
    case setTimer(PPPTimer, deadline: Duration)
    /// Stop a timer; its expiry would be ignored anyway.
    case cancelTimer(PPPTimer)
    /// The link moved to another phase of RFC 1661 §3.2 (for status
    /// reporting, like pppd's phase notifier).
    case phase(PPPPhase)
    /// Authentication is over and succeeded (or the peer asked for none):
    /// this is when SSTP sends its Call Connected with the key's binding.
    /// Should the peer renegotiate LCP later (RFC 1661 §3.2; a duplicate
    /// Configure-Request reaching an open peer does it), the link goes
    /// through authentication again and this comes again, after
    /// `.ipv4Down`/`.ipv6Down`: SSTP binds only the first one.
    case authenticated(PPPAuthenticationResult)
    /// IPCP reached Opened: IPv4 may flow.
    case ipv4Up(IPv4Configuration)
    /// IPCP left Opened (the peer renegotiated or stopped it); stop sending
    /// IPv4 until the next `.ipv4Up`.
    case ipv4Down
    /// IPv6CP reached Opened: IPv6 may flow.
    case ipv6Up(IPv6Configuration)
    /// IPv6CP left Opened.
    case ipv6Down
    /// The link is over, once and for good: the last action of an engine.
    case linkDown(PPPFailure)
    /// A line for the log. Never holds a password or key.
    case log(String)
    /// A line the user should see even without verbose logging (a weak
    /// authentication method in use, say).
    case warning(String)
    /// Server role with `eapPassThrough` (RFC 3748 §2.3, RFC 3579 §2):
    /// relay this EAP Response (Code onward) to the authentication server,
    /// then hand its answer back as `.eapBackend`.
    case eapToBackend([UInt8])
}
