/// The answer to a received Configure-Request (RFC 1661 §5.2–§5.4).
enum PPPConfigureVerdict: Hashable, Sendable {
    /// Every option is recognised and acceptable: Configure-Ack.
    case ack
    /// All recognised, some values not acceptable: Configure-Nak with the
    /// values we would accept (and, §5.3, options we want the peer to add).
    case nak([PPPConfigurationOption])
    /// Some not recognised or not negotiable: Configure-Reject with exactly
    /// those options, unmodified and in order.
    case reject([PPPConfigurationOption])
}

/// What one control protocol adds to the generic automaton: its options.
/// The automaton decides when to send and what state follows; the
/// negotiation decides what goes in the packets.
protocol PPPOptionNegotiation: Sendable {
    /// "LCP", "IPCP", "IPv6CP", for logs.
    var name: String { get }
    /// Back to the wanted options, at the start of a new negotiation
    /// (not on a retransmission).
    mutating func reset()
    /// The options of our next Configure-Request (§4.4 scr).
    mutating func requestOptions() -> [PPPConfigurationOption]
    /// Judges a peer's Configure-Request (§4.4 RCR+ / RCR-). When
    /// `nakAllowed` is false, Max-Failure was reached (§4.6): what would be
    /// Nak'd is Rejected and no options are appended. Peer values are
    /// recorded only when the verdict is `.ack`.
    mutating func evaluate(request options: [PPPConfigurationOption], nakAllowed: Bool)
        -> PPPConfigureVerdict
    /// The peer acknowledged exactly our last request (§5.2).
    mutating func receivedAck(_ options: [PPPConfigurationOption])
    /// The peer Nak'd our last request (§5.3). `treatAsReject` after too
    /// many Naks in a row, so that negotiation converges.
    mutating func receivedNak(_ options: [PPPConfigurationOption], treatAsReject: Bool)
    /// The peer rejected these options of our last request (§5.4).
    mutating func receivedReject(_ options: [PPPConfigurationOption])
    /// A short text for one option, for logs.
    func describe(_ option: PPPConfigurationOption) -> String
}

extension PPPOptionNegotiation {
    func describe(_ options: [PPPConfigurationOption]) -> String {
        options.map { "<" + describe($0) + ">" }.joined(separator: " ")
    }
}
