import Glibc
import PPP
import SSTPCall
import SSTPHTTP
import SSTPPlatform

/// Always on (issue 14): when a call that had been up ends with a cause
/// the `ReconnectPolicy` retries, the driver keeps the TUN, its addresses,
/// routes and DNS, drops what the TUN hands it while the call is down (the
/// routes into the TUN stay, so nothing leaks out by another interface),
/// waits the policy's back-off and starts a new transport, TLS, HTTP and a
/// fresh `SSTPClientCall`. A new session that brings other addresses or
/// DNS changes them in place and reports `.up` again. `RouteWatcher` and
/// `SuspendWatcher` start a reconnect at once.
final class Reconnection {
    var policy: ReconnectPolicy
    var random = SystemRandomNumberGenerator()
    /// When the current session came up (for the policy's stable rule).
    var upSince: Duration?
    /// What is on the interface now: a new session is compared with it.
    var appliedIPv4: IPv4Configuration?
    var appliedIPv6: IPv6Configuration?
    /// A watcher saw the path change: the next decision is `.pathChanged`.
    var pathChange: String?
    var routeWatcher: RouteWatcher?
    var suspendWatcher: SuspendWatcher?
    /// The server's (or proxy's) addresses the last lookup gave. The next
    /// attempt connects to them without a lookup: while the call is down the
    /// tunnel's DNS servers are unreachable (their routes lead into the TUN,
    /// which drops), so a lookup would only time out. Taken once; an attempt
    /// that cannot connect to them leaves the one after to look up again.
    var lastResolved: [SocketAddress] = []
    /// Packets read from the TUN and dropped while the call was down.
    var dropped: UInt64 = 0
    /// Where dropped packets are read to (once, not per packet; only
    /// reconnecting needs room for a whole superpacket).
    let scratch: UnsafeMutableRawBufferPointer
    let headerScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)

    init(settings: ReconnectPolicy.Settings) {
        policy = ReconnectPolicy(settings: settings)
        scratch = .allocate(byteCount: settings.enabled ? 65536 + 64 : 2048, alignment: 16)
    }

    deinit {
        scratch.deallocate()
        headerScratch.deallocate()
    }

    func stopWatching() {
        routeWatcher?.stop()
        routeWatcher = nil
        suspendWatcher?.stop()
        suspendWatcher = nil
    }
}

extension ClientTunnel {
    /// Reconnecting applies once a session was up, with a backend that can
    /// (not pppd: its interface goes with it).
    var mayReconnect: Bool {
        options.reconnect && backend.reconnectUnsupported == nil && established && tun != nil
    }

    /// Called by `finish` first: true when a new attempt was scheduled
    /// instead of ending (the interface stays).
    func reconnectInstead(of failure: TunnelFailure?) -> Bool {
        guard mayReconnect else { return false }
        var cause = failure?.reconnectCause ?? .requested
        if cause == .transient, reconnection.pathChange != nil { cause = .pathChanged }
        let lasted = reconnection.upSince.map { loop.now - $0 }
        reconnection.upSince = nil
        switch reconnection.policy.decide(after: cause, sessionLasted: lasted, using: &reconnection.random) {
        case .stop(let why):
            if case .limitReached = why { emit(.warning(why.description)) }
            return false
        case .retry(let attempt, let delay):
            let reason = reconnection.pathChange ?? failure.map { "\($0)" } ?? "the call ended"
            reconnection.pathChange = nil
            dropTransport(attempt: attempt)
            emit(.reconnecting(TunnelReconnect(attempt: attempt, delay: delay, reason: reason)))
            timers.set(.stage, after: delay) { [weak self] in self?.startAttempt() }
            return true
        }
    }

    /// Ends the transport and the call, keeping the TUN and the network.
    func dropTransport(attempt: Int) {
        let stream = abandonConnecting()
        stage = .reconnecting(attempt: attempt)
        stream?.flush()
        stream?.close()
        timers.cancelAll()
        call = nil
        httpParser = HTTPResponseParser()
        uplink = nil
        if tunPaused { pauseTUN(false) }
    }

    /// The next attempt: the host route to the server pinned again through
    /// today's path, then resolve, connect, TLS, HTTP and a fresh call.
    func startAttempt() {
        guard case .reconnecting = stage else { return }
        timers.cancelAll()
        if options.routes == .defaultRoute, serverAddress.count == 4, let network, let tun {
            do {
                if try network.rederiveServerRoute(serverAddress, avoiding: tun.index) {
                    emit(.log("the host route to the server follows the new path"))
                }
            } catch {
                emit(.warning("cannot pin the host route to the server again: \(error)"))
            }
        }
        reconnection.routeWatcher?.rebase()
        stage = .idle
        let known = reconnection.lastResolved
        reconnection.lastResolved = []
        start(knownAddresses: known)
    }

    /// The route to the server changed or the machine resumed: the old
    /// transport is stale, so reconnect now instead of waiting for a timeout.
    func pathChanged(_ why: String) {
        switch stage {
        case .idle, .finished:
            return
        case .reconnecting:
            emit(.log("\(why): trying now"))
            timers.cancel(.stage)
            startAttempt()
        default:
            emit(.log("\(why): reconnecting"))
            reconnection.pathChange = why
            finish(.sstp(.transportClosed(why)))
        }
    }

    /// The TUN has packets while the call cannot carry them: read and drop.
    func dropTUNPackets() {
        guard let tun else { return }
        let space = reconnection.scratch
        let header = reconnection.headerScratch
        for _ in 0..<64 {
            let n: Int?
            do {
                n = try tun.virtioHeader ? tun.read(into: space, virtioHeader: header) : tun.read(into: space)
            } catch {
                return
            }
            guard n != nil else { return }
            reconnection.dropped &+= 1
        }
    }

    /// The first session is up: remember what it set, and watch the path.
    func sessionCameUp(ipv4 config: IPv4Configuration) {
        reconnection.appliedIPv4 = config
        reconnection.upSince = loop.now
        if options.reconnect, let why = backend.reconnectUnsupported, reconnection.routeWatcher == nil {
            emit(.warning(why))
        }
        guard options.reconnect, backend.reconnectUnsupported == nil, !serverAddress.isEmpty else { return }
        if let watcher = reconnection.routeWatcher {
            watcher.rebase()
        } else {
            do {
                // With the default route the tunnel's routes and the pin
                // hide the host's own path: watch that one.
                let outside = options.routes == .defaultRoute ? tun?.index : nil
                reconnection.routeWatcher = try RouteWatcher(
                    loop: loop, destination: serverAddress, outside: outside
                ) {
                    [weak self] change in
                    self?.pathChanged("\(change)")
                }
            } catch {
                emit(.warning("cannot watch the route to the server (\(error)); path changes wait for a timeout"))
            }
        }
        if reconnection.suspendWatcher == nil {
            reconnection.suspendWatcher = SuspendWatcher(loop: loop) { [weak self] slept in
                self?.pathChanged("the machine slept for \(slept.components.seconds) s")
            }
        }
    }

    /// IPCP opened again after a reconnect: change the address in place
    /// when it differs, the routes follow, DNS when it changed. False when this is the
    /// first session (the caller configures as usual).
    func networkBack(ipv4 config: IPv4Configuration) -> Bool {
        guard let old = reconnection.appliedIPv4, !backend.ownsInterface, let tun else { return false }
        let newMTU = min(
            options.mtu ?? ClientOptions.defaultMTU, config.mtu > 0 ? config.mtu : ClientOptions.defaultMTU)
        if newMTU != mtu {
            mtu = newMTU
            do { try tun.setMTU(mtu) } catch { emit(.warning("cannot set the MTU of \(tun.name): \(error)")) }
        }
        if options.configureInterface, let net = network {
            do {
                try replaceAddress(net, tun: tun, old: old, new: config)
                if options.configureDNS, !config.dns.isEmpty, config.dns != old.dns {
                    try net.setDNS(
                        interface: tun.name, servers: config.dns.map(\.description), domains: [],
                        defaultRoute: options.routes == .defaultRoute)
                }
            } catch {
                finish(.local("cannot configure \(tun.name): \(error)"))
                return true
            }
        }
        sessionCameUp(ipv4: config)
        emit(.phaseDone(.network, "IPCP opened"))
        emit(.up(status))
        return true
    }

    func replaceAddress(
        _ net: any NetworkConfiguring, tun: any PacketDevice, old: IPv4Configuration, new: IPv4Configuration
    ) throws(SystemError) {
        guard old.local != new.local || old.peer != new.peer else { return }
        let oldLocal = old.local.bytes
        let oldPeer = old.peer?.bytes
        // Both share the peer, so the kernel takes the new one as a
        // secondary of the old, and deletes secondaries with their primary
        // unless it may promote them. With promotion: new first, then the
        // old goes and the interface keeps an address (and its routes)
        // throughout. Without: old first, new, and the routes the kernel
        // dropped with the link's last address put back.
        if old.local != new.local, Self.allowPromotion(tun.name) {
            try net.addAddress(interface: tun.index, local: new.local.bytes, prefixLength: 32, peer: new.peer?.bytes)
            try net.removeAddress(interface: tun.index, local: oldLocal, prefixLength: 32, peer: oldPeer)
        } else {
            try net.removeAddress(interface: tun.index, local: oldLocal, prefixLength: 32, peer: oldPeer)
            try net.addAddress(interface: tun.index, local: new.local.bytes, prefixLength: 32, peer: new.peer?.bytes)
        }
        emit(.log("the new session brought \(new.local) (was \(old.local)): address changed on \(tun.name)"))
        try restoreRoutes(net, index: tun.index)
    }

    /// net.ipv4.conf.NAME.promote_secondaries = 1 (ip-sysctl.rst): a
    /// secondary address becomes primary when the primary is deleted,
    /// instead of going with it. False when it cannot be set (no such
    /// interface: a memory device in tests).
    static func allowPromotion(_ interface: String) -> Bool {
        guard !interface.contains("/"), interface != ".", interface != ".." else { return false }
        let fd = open("/proc/sys/net/ipv4/conf/\(interface)/promote_secondaries", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "1\n", 2) == 2
    }

    /// The tunnel routes again, where the kernel removed them (EEXIST: kept).
    func restoreRoutes(_ net: any NetworkConfiguring, index: Int32) throws(SystemError) {
        var routes: [(destination: [UInt8], prefixLength: Int)] = []
        switch options.routes {
        case .none: break
        case .defaultRoute: routes = [([0, 0, 0, 0], 1), ([128, 0, 0, 0], 1)]
        case .networks(let networks):
            routes = networks.filter { $0.address.count == 4 }.map { ($0.address, $0.prefixLength) }
        }
        for route in routes {
            do {
                try net.addTunnelRoute(
                    destination: route.destination, prefixLength: route.prefixLength, interface: index, metric: nil)
            } catch  where error.errno == EEXIST {
                // Still there.
            }
        }
    }

    /// IPv6CP opened again after a reconnect: the link-local address
    /// changes only when the interface identifiers did. False the first time.
    func networkBack(ipv6 config: IPv6Configuration) -> Bool {
        guard let old = reconnection.appliedIPv6, !backend.ownsInterface, let tun else { return false }
        ipv6 = config
        if options.configureInterface, let net = network,
            old.localInterfaceIdentifier != config.localInterfaceIdentifier
                || old.peerInterfaceIdentifier != config.peerInterfaceIdentifier
        {
            let oldPeer = old.peerInterfaceIdentifier.map { TunnelStatus.linkLocalBytes($0) }
            let newPeer = config.peerInterfaceIdentifier.map { TunnelStatus.linkLocalBytes($0) }
            do {
                try net.removeAddress(
                    interface: tun.index, local: TunnelStatus.linkLocalBytes(old.localInterfaceIdentifier),
                    prefixLength: 64, peer: oldPeer)
                try net.addAddress(
                    interface: tun.index, local: TunnelStatus.linkLocalBytes(config.localInterfaceIdentifier),
                    prefixLength: 64, peer: newPeer)
            } catch {
                emit(.warning("cannot change the IPv6 link-local address on \(tun.name): \(error)"))
            }
        }
        reconnection.appliedIPv6 = config
        emit(.phaseDone(.network, "IPv6CP opened"))
        if reportedUp { emit(.ipv6Up(status)) }
        return true
    }
}
