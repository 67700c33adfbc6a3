import ByteCoding
import CSSTPPlatform
import Glibc
import PPP
import SSTPCall
import SSTPCrypto
import SSTPDataPlane
import SSTPHTTP
import SSTPPlatform
import SSTPSession
import SSTPTLS
import SSTPWire

/// The TUN, its addresses, routes and DNS, and the status they make.
extension ClientTunnel {
    // MARK: - Network configuration

    func ensureTUN() -> (any PacketDevice)? {
        if let tun { return tun }
        do {
            let device = try makeDevice(options.interfaceName)
            try device.setMTU(mtu)
            do {
                try device.configureIPv6(enabled: options.ppp.requestIPv6)
            } catch {
                emit(.warning("cannot set IPv6 up on \(device.name) before it goes up: \(error)"))
            }
            try device.setUp(true)
            tun = device
            try loop.add(fd: device.fd, events: .readable) { [weak self] _ in self?.tunReadable() }
            return device
        } catch {
            finish(.local("cannot create the TUN device: \(error). Run as root (CAP_NET_ADMIN) and check /dev/net/tun"))
            return nil
        }
    }

    /// Overlaps the interface set-up with LCP, authentication and IPCP: once
    /// the SSTP call is negotiated (CALL_CONNECT_ACK), the TUN is made with the largest MTU the call can get (IPCP
    /// can only lower it), IPv6 set and the link up, and the network
    /// configurator opened (its netlink socket, the stale-route sweep), so
    /// that IPCP's result leaves only the addresses, routes and DNS to set.
    /// A failure ends the call as it would at IPCP; `finish` closes the TUN
    /// and undoes the configurator, which has changed nothing yet.
    func prepareInterface() {
        guard options.backend != .pppd, pppdInterface == nil, case .running = stage else { return }
        guard let device = ensureTUN() else { return }
        guard options.configureInterface, network == nil else { return }
        do {
            network = try makeNetwork { [weak self] line in self?.emit(.log(line)) }
        } catch {
            finish(.local("cannot configure \(device.name): \(error)"))
        }
    }

    func networkUp(ipv4 config: IPv4Configuration) {
        if networkBack(ipv4: config) { return }
        let negotiated = min(
            options.mtu ?? ClientOptions.defaultMTU, config.mtu > 0 ? config.mtu : ClientOptions.defaultMTU)
        let link: (name: String, index: Int32)
        if let pppdInterface {
            mtu = negotiated
            link = pppdInterface
        } else {
            let made = tun != nil
            if !made { mtu = negotiated }
            guard let tun = ensureTUN() else { return }
            if made, negotiated != mtu {
                // Made before IPCP with the largest MTU; the peer's MRU is lower.
                mtu = negotiated
                do {
                    try tun.setMTU(mtu)
                } catch {
                    finish(.local("cannot set the MTU of \(tun.name) to \(mtu): \(error)"))
                    return
                }
            }
            link = (tun.name, tun.index)
        }
        if options.configureInterface {
            do {
                let net = try network ?? makeNetwork { [weak self] line in self?.emit(.log(line)) }
                network = net
                if pppdInterface == nil {
                    // pppd sets its own addresses; the TUN is ours to set.
                    let local = config.local.bytes
                    try net.addAddress(interface: link.index, local: local, prefixLength: 32, peer: config.peer?.bytes)
                }
                try configureRoutes(net, index: link.index)
                if options.configureDNS, !config.dns.isEmpty {
                    let set = try net.setDNS(
                        interface: link.name, servers: config.dns.map(\.description), domains: [],
                        defaultRoute: options.routes == .defaultRoute)
                    if !set {
                        emit(
                            .log(
                                "DNS \(config.dns.map(\.description).joined(separator: " ")) not applied: systemd-resolved is not running"
                            ))
                    }
                }
            } catch {
                finish(.local("cannot configure \(link.name): \(error)"))
                return
            }
        }
        reportedUp = true
        emit(.phaseDone(.network, "IPCP opened"))
        established = true
        sessionCameUp(ipv4: config)
        emit(.up(status))
    }

    func configureRoutes(_ net: any NetworkConfiguring, index: Int32) throws(SystemError) {
        switch options.routes {
        case .none:
            break
        case .defaultRoute:
            if !serverAddress.isEmpty, serverAddress.count == 4 { try net.pinServerRoute(serverAddress) }
            try net.addTunnelRoute(destination: [0, 0, 0, 0], prefixLength: 1, interface: index, metric: nil)
            try net.addTunnelRoute(destination: [128, 0, 0, 0], prefixLength: 1, interface: index, metric: nil)
        case .networks(let networks):
            for n in networks where n.address.count == 4 {
                try net.addTunnelRoute(
                    destination: n.address, prefixLength: n.prefixLength, interface: index, metric: nil)
            }
        }
    }

    func networkUp(ipv6 config: IPv6Configuration) {
        if pppdInterface != nil {
            // pppd set the link-local addresses itself.
            emit(.phaseDone(.network, "IPv6CP opened"))
            if reportedUp { emit(.ipv6Up(status)) }
            return
        }
        if networkBack(ipv6: config) { return }
        guard let tun = ensureTUN() else { return }
        if options.configureInterface {
            do {
                let net = try network ?? makeNetwork { [weak self] line in self?.emit(.log(line)) }
                network = net
                let local = TunnelStatus.linkLocalBytes(config.localInterfaceIdentifier)
                let peer = config.peerInterfaceIdentifier.map { TunnelStatus.linkLocalBytes($0) }
                // fe80::/64 stays on-link (RFC 4291 section 2.5.6), as the
                // kernel's own link-local address would have made it.
                try net.addAddress(interface: tun.index, local: local, prefixLength: 64, peer: peer)
            } catch {
                emit(.warning("cannot add the IPv6 link-local address to \(tun.name): \(error)"))
                return
            }
        }
        reconnection.appliedIPv6 = config
        emit(.phaseDone(.network, "IPv6CP opened"))
        // The tunnel counts as up with IPv4; an IPv6CP that opens first is
        // part of that report.
        if reportedUp { emit(.ipv6Up(status)) }
    }

    public var status: TunnelStatus {
        var tlsVersion: String?
        var tlsCipher: String?
        if let s = currentStream {
            tlsVersion = s.tls.negotiatedVersion.map { "\($0)" }
            tlsCipher = s.tls.cipherName
        }
        return TunnelStatus(
            interfaceName: tun?.name ?? pppdInterface?.name ?? "",
            interfaceIndex: tun?.index ?? pppdInterface?.index ?? 0,
            mtu: mtu, ipv4: reportedUp && call?.ipv4Open == true ? ipv4 : nil,
            ipv6: call?.ipv6Open == true ? ipv6 : nil, serverAddress: serverAddress, authenticationMethod: authMethod,
            tlsVersion: tlsVersion, tlsCipher: tlsCipher)
    }
}
