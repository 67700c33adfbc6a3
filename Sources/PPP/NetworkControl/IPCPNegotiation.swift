/// IPCP's options (RFC 1332, RFC 1877) for both roles. The client asks for
/// an address and name servers and takes what the server Naks; the server
/// Naks the client's zeros with what it assigns.
struct IPCPNegotiation: PPPOptionNegotiation {
    enum Role: Sendable {
        case client(requestDNS: Bool, requestNBNS: Bool)
        case server(
            local: IPv4Address, assigned: IPv4Address, dns: [IPv4Address], nbns: [IPv4Address])
    }

    let name = "IPCP"
    let role: Role

    /// The values of our next Configure-Request, by option type, in
    /// `IPCPOption.addressOptions` order; a missing type is not sent.
    private var wanted: [UInt8: IPv4Address] = [:]

    /// What the peer acknowledged of ours.
    private(set) var acknowledged: [UInt8: IPv4Address] = [:]
    /// The peer's address from its acknowledged request.
    private(set) var peerAddress: IPv4Address?

    init(role: Role) {
        self.role = role
        reset()
    }

    mutating func reset() {
        wanted = [:]
        acknowledged = [:]
        peerAddress = nil
        switch role {
        case .client(let requestDNS, let requestNBNS):
            // RFC 1332 §3.3: 0.0.0.0 asks the peer to assign an address.
            wanted[IPCPOption.ipAddress] = .zero
            if requestDNS {
                wanted[IPCPOption.primaryDNS] = .zero
                wanted[IPCPOption.secondaryDNS] = .zero
            }
            if requestNBNS {
                wanted[IPCPOption.primaryNBNS] = .zero
                wanted[IPCPOption.secondaryNBNS] = .zero
            }
        case .server(let local, _, _, _):
            if local != .zero { wanted[IPCPOption.ipAddress] = local }
        }
    }

    mutating func requestOptions() -> [PPPConfigurationOption] {
        IPCPOption.addressOptions.compactMap { type in
            wanted[type].map { IPCPOption.option(type, $0) }
        }
    }

    /// The server's value for each address option it hands out.
    private var assignments: [UInt8: IPv4Address] {
        guard case .server(_, let assigned, let dns, let nbns) = role else { return [:] }
        var out: [UInt8: IPv4Address] = [IPCPOption.ipAddress: assigned]
        if dns.count > 0 { out[IPCPOption.primaryDNS] = dns[0] }
        if dns.count > 1 { out[IPCPOption.secondaryDNS] = dns[1] }
        if nbns.count > 0 { out[IPCPOption.primaryNBNS] = nbns[0] }
        if nbns.count > 1 { out[IPCPOption.secondaryNBNS] = nbns[1] }
        return out
    }

    mutating func evaluate(request options: [PPPConfigurationOption], nakAllowed: Bool)
        -> PPPConfigureVerdict
    {
        var rejects: [PPPConfigurationOption] = []
        var naks: [PPPConfigurationOption] = []
        var newPeer: IPv4Address?
        let assignments = self.assignments
        for option in options {
            guard IPCPOption.addressOptions.contains(option.type),
                let value = IPCPOption.address(option)
            else {
                // IP-Addresses, IP-Compression-Protocol, a bad length,
                // anything unknown: RFC 1661 §5.4 Configure-Reject.
                rejects.append(option)
                continue
            }
            switch role {
            case .client:
                if option.type == IPCPOption.ipAddress && value != .zero {
                    // RFC 1332 §3.3: the peer tells us its address.
                    newPeer = value
                } else {
                    // A zero address we cannot assign, or the peer asking
                    // us for name servers we do not have (RFC 1877 §1).
                    rejects.append(option)
                }
            case .server:
                guard let assigned = assignments[option.type] else {
                    // Nothing to hand out (one DNS only: Secondary-DNS is
                    // rejected, as SoftEther does).
                    rejects.append(option)
                    continue
                }
                if value == assigned {
                    if option.type == IPCPOption.ipAddress { newPeer = value }
                } else if nakAllowed {
                    // RFC 1332 §3.3 / RFC 1877 §1: Nak with the value to use.
                    naks.append(IPCPOption.option(option.type, assigned))
                } else {
                    rejects.append(option)
                }
            }
        }
        // RFC 1661 §5.3: a server that must assign the address may append it
        // to the Nak when the client did not ask (not past Max-Failure).
        if case .server(_, let assigned, _, _) = role, nakAllowed,
            !options.contains(where: { $0.type == IPCPOption.ipAddress }), rejects.isEmpty
        {
            naks.append(IPCPOption.option(IPCPOption.ipAddress, assigned))
        }
        if !rejects.isEmpty { return .reject(rejects) }
        if !naks.isEmpty { return .nak(naks) }
        if case .server(_, let assigned, _, _) = role {
            peerAddress = newPeer ?? assigned
        } else {
            peerAddress = newPeer
        }
        return .ack
    }

    mutating func receivedAck(_ options: [PPPConfigurationOption]) {
        acknowledged = [:]
        for option in options {
            if let value = IPCPOption.address(option) { acknowledged[option.type] = value }
        }
    }

    mutating func receivedNak(_ options: [PPPConfigurationOption], treatAsReject: Bool) {
        for option in options {
            guard IPCPOption.addressOptions.contains(option.type),
                let value = IPCPOption.address(option)
            else {
                continue
            }
            guard case .client = role else { continue }  // The server keeps its own address.
            if treatAsReject {
                wanted[option.type] = nil
                continue
            }
            if wanted[option.type] != nil {
                // RFC 1332 §3.3, RFC 1877 §1: use the values the server gives.
                if option.type == IPCPOption.ipAddress ? value.isUsableUnicast : value != .zero {
                    wanted[option.type] = value
                }
            } else if option.type == IPCPOption.ipAddress && value.isUsableUnicast {
                // RFC 1661 §5.3: the server prompts us to ask for an address.
                wanted[option.type] = value
            }
        }
    }

    mutating func receivedReject(_ options: [PPPConfigurationOption]) {
        for option in options { wanted[option.type] = nil }
    }

    /// The client's view once IPCP is up.
    func clientConfiguration(mtu: Int) -> IPv4Configuration {
        IPv4Configuration(
            local: acknowledged[IPCPOption.ipAddress] ?? .zero, peer: peerAddress,
            dns: [IPCPOption.primaryDNS, IPCPOption.secondaryDNS].compactMap { acknowledged[$0] }
                .filter {
                    $0 != .zero
                },
            nbns: [IPCPOption.primaryNBNS, IPCPOption.secondaryNBNS].compactMap { acknowledged[$0] }
                .filter {
                    $0 != .zero
                },
            mtu: mtu)
    }

    /// The server's view once IPCP is up.
    func serverConfiguration(mtu: Int) -> IPv4Configuration {
        guard case .server(let local, let assigned, let dns, let nbns) = role else {
            return clientConfiguration(mtu: mtu)
        }
        return IPv4Configuration(
            local: local, peer: peerAddress ?? assigned, dns: dns, nbns: nbns, mtu: mtu)
    }

    func describe(_ option: PPPConfigurationOption) -> String {
        IPCPOption.describe(option)
    }
}
