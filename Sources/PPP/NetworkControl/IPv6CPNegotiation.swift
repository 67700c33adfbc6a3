import ByteCoding

/// IPv6CP's options (RFC 5072 §4), the same for both roles: each end picks
/// a random, non-zero Interface-Identifier and the two must differ.
struct IPv6CPNegotiation: PPPOptionNegotiation {
    /// RFC 5072 §4.1 Interface-Identifier, 8 bytes.
    static let interfaceIdentifier: UInt8 = 1
    /// RFC 5072 §4.2 IPv6-Compression-Protocol: rejected.
    static let compressionProtocol: UInt8 = 2

    let name = "IPv6CP"
    let random: any PPPRandomSource

    /// Our tentative identifier (§4.1), never zero.
    private(set) var localIdentifier: [UInt8]
    private var sendIdentifier = true
    /// The peer's identifier from its acknowledged request.
    private(set) var peerIdentifier: [UInt8]?
    /// The last identifier we suggested to the peer in a Nak.
    private var lastSuggestion: [UInt8]?
    /// The last value the peer suggested to us in a Nak.
    private var lastNakValue: [UInt8]?
    private static let zero = [UInt8](repeating: 0, count: 8)

    init(random: any PPPRandomSource) {
        self.random = random
        localIdentifier = random.nonZeroBytes(8)
    }

    mutating func reset() {
        sendIdentifier = true
        peerIdentifier = nil
        lastNakValue = nil
    }

    mutating func requestOptions() -> [PPPConfigurationOption] {
        sendIdentifier
            ? [PPPConfigurationOption(type: Self.interfaceIdentifier, data: localIdentifier)] : []
    }

    mutating func evaluate(request options: [PPPConfigurationOption], nakAllowed: Bool)
        -> PPPConfigureVerdict
    {
        var rejects: [PPPConfigurationOption] = []
        var naks: [PPPConfigurationOption] = []
        var newPeer: [UInt8]?
        for option in options {
            guard option.type == Self.interfaceIdentifier, option.data.count == 8 else {
                rejects.append(option)
                continue
            }
            let value = option.data
            if value == Self.zero || value == localIdentifier {
                // §4.1: a zero identifier, or one equal to ours, is Nak'd
                // with a non-zero value different from ours (and from what
                // we suggested before).
                guard nakAllowed else {
                    rejects.append(option)
                    continue
                }
                let suggestion = random.nonZeroBytes(
                    8, avoiding: [localIdentifier, value, lastSuggestion ?? Self.zero])
                lastSuggestion = suggestion
                naks.append(PPPConfigurationOption(type: option.type, data: suggestion))
            } else {
                newPeer = value
            }
        }
        if !rejects.isEmpty { return .reject(rejects) }
        if !naks.isEmpty { return .nak(naks) }
        peerIdentifier = newPeer
        return .ack
    }

    mutating func receivedAck(_ options: [PPPConfigurationOption]) {}

    mutating func receivedNak(_ options: [PPPConfigurationOption], treatAsReject: Bool) {
        for option in options where option.type == Self.interfaceIdentifier {
            if treatAsReject {
                sendIdentifier = false
                continue
            }
            // §4.1: use the suggested value if it is acceptable (non-zero,
            // not the peer's, not the same suggestion again); otherwise pick
            // a new random one.
            let value = option.data
            if value.count == 8 && value != Self.zero && value != peerIdentifier
                && value != lastNakValue
            {
                localIdentifier = value
            } else {
                localIdentifier = random.nonZeroBytes(
                    8, avoiding: [localIdentifier, peerIdentifier ?? Self.zero])
            }
            lastNakValue = value
        }
    }

    mutating func receivedReject(_ options: [PPPConfigurationOption]) {
        // §4.1: without negotiation the tentative identifier is kept.
        if options.contains(where: { $0.type == Self.interfaceIdentifier }) {
            sendIdentifier = false
        }
    }

    func configuration(mtu: Int) -> IPv6Configuration {
        IPv6Configuration(
            localInterfaceIdentifier: localIdentifier, peerInterfaceIdentifier: peerIdentifier,
            mtu: mtu)
    }

    func describe(_ option: PPPConfigurationOption) -> String {
        switch option.type {
        case Self.interfaceIdentifier where option.data.count == 8:
            "addr " + linkLocalText(option.data)
        case Self.compressionProtocol: "compress " + option.data.hexString
        default: "option \(option.type) " + option.data.hexString
        }
    }
}
