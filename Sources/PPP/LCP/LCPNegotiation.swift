/// LCP's options (RFC 1661 §6) for both roles. Over SSTP we negotiate MRU,
/// Magic-Number and Authentication-Protocol, and reject ACCM, PFC and ACFC:
/// MS-SSTP carries whole frames with `ff 03` and 2-byte protocols.
struct LCPNegotiation: PPPOptionNegotiation {
    enum Role: Sendable {
        /// The client: accepts these methods (best first) when the peer asks
        /// to authenticate us; never asks the peer to authenticate.
        case authenticatee(accepted: [PPPAuthenticationMethod])
        /// The server: asks for these methods, in order.
        case authenticator(offered: [PPPAuthenticationMethod])
    }

    let name = "LCP"
    let role: Role
    let random: any PPPRandomSource
    /// The MRU we want (sent only when it is not the default 1500).
    let wantedMRU: Int
    /// Signs of a loop in a row before the line counts as looped back (RFC
    /// 1661 §6.4; pppd's lcp_loopbackfail): Configure-Requests carrying our
    /// own Magic-Number, or Naks of it. It equals Max-Failure, so that it
    /// trips before Max-Failure turns our Naks into Rejects and a looped
    /// line would end up acknowledging itself.
    let loopbackLimit: Int

    // What our next Configure-Request holds.
    private var sendMRU = false
    private var mru = LCPOption.defaultMRU
    private var sendMagic = true
    private(set) var magic: UInt32 = 0
    /// The authenticator: index in `offered` of the method we ask for.
    private var authenticationIndex = 0
    private var sendAuthentication = false

    // What the peer acknowledged of ours.
    private(set) var localMagic: UInt32?
    private(set) var localMRU = LCPOption.defaultMRU
    /// The authenticator: the method the client accepted.
    private(set) var authenticatorMethod: PPPAuthenticationMethod?

    // What we acknowledged of the peer's.
    private(set) var peerMRU = LCPOption.defaultMRU
    private(set) var peerMagic: UInt32?
    /// The authenticatee: the method the server will use.
    private(set) var authenticateeMethod: PPPAuthenticationMethod?

    /// Naks of our Magic-Number in a row.
    private var magicNaks = 0
    /// Configure-Requests carrying our own Magic-Number in a row.
    private var magicEchoes = 0
    private(set) var loopbackDetected = false
    /// The authenticator: the client refused every method we offer.
    private(set) var noCommonAuthentication = false
    /// Methods the authenticator has asked for and been refused.
    private var refusedByPeer: Set<PPPAuthenticationMethod> = []
    /// The authenticatee: every method the server proposed, in a
    /// Configure-Request or a Configure-Nak of ours, over the whole link
    /// (not reset with the options): to say what it offered when no
    /// method is agreed.
    private(set) var offeredMethods: [PPPAuthenticationMethod] = []
    /// The authenticatee: the proposals this client does not implement.
    private(set) var unsupportedOffers: [String] = []

    init(role: Role, random: any PPPRandomSource, mru: Int, maxFailure: Int) {
        self.loopbackLimit = max(maxFailure, 1)
        self.role = role
        self.random = random
        self.wantedMRU = min(max(mru, LCPOption.minimumMRU), 65535)
        reset()
    }

    /// The method the link authenticates with, whichever role we play.
    var negotiatedMethod: PPPAuthenticationMethod? {
        switch role {
        case .authenticatee: authenticateeMethod
        case .authenticator: authenticatorMethod
        }
    }

    /// The magic number to put in Echo-Request and Echo-Reply: ours once
    /// acknowledged, zero when not negotiated (RFC 1661 §5.8).
    var echoMagic: UInt32 { localMagic ?? 0 }

    mutating func reset() {
        sendMRU = wantedMRU != LCPOption.defaultMRU
        mru = wantedMRU
        sendMagic = true
        magic = random.nonZeroUInt32()
        localMagic = nil
        localMRU = LCPOption.defaultMRU
        peerMRU = LCPOption.defaultMRU
        peerMagic = nil
        authenticateeMethod = nil
        authenticatorMethod = nil
        refusedByPeer = []
        noCommonAuthentication = false
        if case .authenticator(let offered) = role {
            authenticationIndex = 0
            sendAuthentication = !offered.isEmpty
        }
    }

    private var requestedMethod: PPPAuthenticationMethod? {
        guard sendAuthentication, case .authenticator(let offered) = role,
            offered.indices.contains(authenticationIndex)
        else { return nil }
        return offered[authenticationIndex]
    }

    mutating func requestOptions() -> [PPPConfigurationOption] {
        var options: [PPPConfigurationOption] = []
        if sendMRU { options.append(.uint16(type: LCPOption.maximumReceiveUnit, UInt16(mru))) }
        if let method = requestedMethod {
            options.append(
                PPPConfigurationOption(
                    type: LCPOption.authenticationProtocol, data: method.optionData))
        }
        if sendMagic { options.append(.uint32(type: LCPOption.magicNumber, magic)) }
        return options
    }

    mutating func evaluate(request options: [PPPConfigurationOption], nakAllowed: Bool)
        -> PPPConfigureVerdict
    {
        var rejects: [PPPConfigurationOption] = []
        var naks: [PPPConfigurationOption] = []
        var newPeerMRU = LCPOption.defaultMRU
        var newPeerMagic: UInt32?
        var newMethod: PPPAuthenticationMethod?
        func nak(_ original: PPPConfigurationOption, _ suggestion: PPPConfigurationOption) {
            // §4.6 Max-Failure: past it, a Nak becomes a Reject.
            if nakAllowed { naks.append(suggestion) } else { rejects.append(original) }
        }
        for option in options {
            switch option.type {
            case LCPOption.maximumReceiveUnit:
                // §6.1: 2-byte MRU. Below pppd's minimum we suggest it.
                guard let value = option.uint16Value else {
                    rejects.append(option)
                    continue
                }
                if Int(value) < LCPOption.minimumMRU {
                    nak(option, .uint16(type: option.type, UInt16(LCPOption.minimumMRU)))
                } else {
                    newPeerMRU = Int(value)
                }
            case LCPOption.magicNumber:
                // §6.4: 4 bytes; zero is illegal and MUST be Nak'd; equal to
                // ours means a possible loop: Nak with another value.
                guard let value = option.uint32Value else {
                    rejects.append(option)
                    continue
                }
                if sendMagic && value == magic {
                    magicEchoes += 1
                    if magicEchoes >= loopbackLimit { loopbackDetected = true }
                } else {
                    magicEchoes = 0
                }
                if value == 0 || (sendMagic && value == magic) {
                    let suggestion = distinctMagic(from: [magic, value])
                    nak(option, .uint32(type: option.type, suggestion))
                } else {
                    newPeerMagic = value
                }
            case LCPOption.authenticationProtocol:
                switch role {
                case .authenticator:
                    // We do not authenticate ourselves to the client.
                    rejects.append(option)
                case .authenticatee(let accepted):
                    noteOffer(option.data)
                    if let method = PPPAuthenticationMethod(optionData: option.data),
                        accepted.contains(method)
                    {
                        newMethod = method
                    } else if let best = accepted.first {
                        // §6.2: Nak with a protocol we would accept; the
                        // preference order skips the refused methods.
                        nak(
                            option, PPPConfigurationOption(type: option.type, data: best.optionData)
                        )
                    } else {
                        rejects.append(option)
                    }
                }
            default:
                // ACCM, PFC, ACFC (meaningless without async framing or
                // compression on SSTP), Quality-Protocol, callback, MRRU
                // and anything unknown: §5.4 Configure-Reject.
                rejects.append(option)
            }
        }
        if !rejects.isEmpty { return .reject(rejects) }
        if !naks.isEmpty { return .nak(naks) }
        peerMRU = newPeerMRU
        peerMagic = newPeerMagic
        if case .authenticatee = role { authenticateeMethod = newMethod }
        return .ack
    }

    mutating func receivedAck(_ options: [PPPConfigurationOption]) {
        localMagic = nil
        localMRU = LCPOption.defaultMRU
        authenticatorMethod = nil
        for option in options {
            switch option.type {
            case LCPOption.magicNumber: localMagic = option.uint32Value
            case LCPOption.maximumReceiveUnit:
                localMRU = Int(option.uint16Value ?? UInt16(LCPOption.defaultMRU))
            case LCPOption.authenticationProtocol:
                authenticatorMethod = PPPAuthenticationMethod(optionData: option.data)
            default: break
            }
        }
        magicNaks = 0
    }

    mutating func receivedNak(_ options: [PPPConfigurationOption], treatAsReject: Bool) {
        // §6.4: a Nak of our Magic-Number in a row counts towards a loop,
        // even when the Nak is about to be treated as a Reject.
        if sendMagic, options.contains(where: { $0.type == LCPOption.magicNumber }) {
            magicNaks += 1
            if magicNaks >= loopbackLimit { loopbackDetected = true }
        }
        if treatAsReject {
            receivedReject(options)
            return
        }
        for option in options {
            switch option.type {
            case LCPOption.maximumReceiveUnit:
                // §6.1: the peer suggests an MRU; take it if sane.
                if let value = option.uint16Value, Int(value) >= LCPOption.minimumMRU,
                    Int(value) <= max(wantedMRU, LCPOption.defaultMRU)
                {
                    mru = Int(value)
                    sendMRU = true
                }
            case LCPOption.magicNumber:
                // §6.4: choose a new Magic-Number; many Naks in a row mean
                // our own requests come back to us.
                guard sendMagic else { continue }
                magic = distinctMagic(from: [magic, option.uint32Value ?? 0])
            case LCPOption.authenticationProtocol:
                // §5.3: a Nak may add an option the peer wants; from the
                // server, a method it would use. Noted only: the client
                // never asks the server to authenticate itself.
                if case .authenticatee = role { noteOffer(option.data) }
                guard case .authenticator(let offered) = role, let current = requestedMethod else {
                    continue
                }
                refusedByPeer.insert(current)
                // §6.2: the client names a protocol it prefers.
                if let wanted = PPPAuthenticationMethod(optionData: option.data),
                    let index = offered.firstIndex(of: wanted), !refusedByPeer.contains(wanted)
                {
                    authenticationIndex = index
                } else {
                    moveToNextOfferedMethod(offered)
                }
            default:
                break  // A hint for an option we do not want: ignored.
            }
        }
    }

    mutating func receivedReject(_ options: [PPPConfigurationOption]) {
        for option in options {
            switch option.type {
            case LCPOption.maximumReceiveUnit:
                sendMRU = false
                mru = LCPOption.defaultMRU
            case LCPOption.magicNumber:
                // SoftEther rejects it: echoes then carry magic 0.
                sendMagic = false
            case LCPOption.authenticationProtocol:
                // The client will not authenticate at all.
                if case .authenticator = role, sendAuthentication { noCommonAuthentication = true }
                sendAuthentication = false
            default:
                break
            }
        }
    }

    private mutating func noteOffer(_ data: [UInt8]) {
        if let method = PPPAuthenticationMethod(optionData: data) {
            if !offeredMethods.contains(method) { offeredMethods.append(method) }
        } else {
            let name = PPPAuthenticationMethod.unsupportedName(optionData: data)
            // A bound on what a peer can make us keep.
            if !unsupportedOffers.contains(name) && unsupportedOffers.count < 8 {
                unsupportedOffers.append(name)
            }
        }
    }

    private mutating func moveToNextOfferedMethod(_ offered: [PPPAuthenticationMethod]) {
        var index = authenticationIndex + 1
        while index < offered.count && refusedByPeer.contains(offered[index]) { index += 1 }
        if index < offered.count {
            authenticationIndex = index
        } else {
            sendAuthentication = false
            noCommonAuthentication = true
        }
    }

    private func distinctMagic(from values: [UInt32]) -> UInt32 {
        for _ in 0..<8 {
            let candidate = random.nonZeroUInt32()
            if !values.contains(candidate) { return candidate }
        }
        // A source that keeps repeating itself: step past the values.
        var candidate: UInt32 = 1
        while values.contains(candidate) { candidate &+= 1 }
        return candidate
    }

    func describe(_ option: PPPConfigurationOption) -> String {
        LCPOption.describe(option)
    }
}
