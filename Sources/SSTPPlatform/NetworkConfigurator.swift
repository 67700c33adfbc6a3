import Glibc

/// Applies the tunnel's addresses, routes and DNS, and remembers how to undo
/// each change. `undoAll` reverts in reverse order; it runs on exit, on
/// Ctrl-C, SIGTERM and on every failure, so nothing stays half-configured.
/// Changes on the TUN itself vanish with it; the undo log covers the rest
/// (the host route to the server, resolved's per-link DNS). Routes outside
/// the TUN are also written down in a claim file (RouteClaims), so that the
/// next start removes them when this process was killed before undoing.
public final class NetworkConfigurator {
    public typealias Log = (String) -> Void

    private let netlink: RouteNetlink
    private var undo: [(what: String, action: () throws(SystemError) -> Void)] = []
    private let log: Log
    private var claims: RouteClaims?
    /// The host routes to servers this configurator added.
    private var pins: [RouteClaim] = []

    public init(log: @escaping Log) throws(SystemError) {
        netlink = try RouteNetlink()
        self.log = log
        removeStaleRoutes()
    }

    /// Removes the routes that clients no longer running (kill -9, a crash)
    /// added outside their TUN in this network namespace, as their claim
    /// files name them; a route a running client also claims stays.
    private func removeStaleRoutes() {
        let found = RouteClaims.stale()
        for line in found.malformed { log("ignoring a route claim file: \(line)") }
        for (path, file) in found.stale {
            for route in file.routes where !found.live.contains(route) {
                do {
                    try netlink.route(
                        add: false, destination: route.destination, prefixLength: route.prefixLength,
                        gateway: route.gateway, interface: route.interface)
                    log("removed a stale route to \(route.text) that process \(file.pid) (no longer running) added")
                } catch  where error.errno == ESRCH || error.errno == ENOENT || error.errno == ENODEV {
                    // Gone already (with its interface, or by hand).
                } catch {
                    log("could not remove the stale route to \(route.text) from \(path): \(error)")
                }
            }
            unlink(path)
        }
        for path in found.orphaned { unlink(path) }
    }

    /// This configurator's claim file, made on first use; nil (with a
    /// warning) when it cannot be written, e.g. without root.
    private func claimFile() -> RouteClaims? {
        if let claims { return claims }
        do {
            claims = try RouteClaims()
        } catch {
            log(
                "cannot record routes under \(RouteClaims.defaultDirectory) (\(error)): a crash would leave them behind"
            )
        }
        return claims
    }

    /// Number of changes that undoAll would revert.
    public var pendingUndoCount: Int { undo.count }

    /// local/prefix with an optional point-to-point peer on the interface.
    public func addAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]?) throws(SystemError) {
        try netlink.addAddress(interface: interface, local: local, prefixLength: prefixLength, peer: peer)
    }

    /// A route through the tunnel interface. It disappears with the TUN, so
    /// there is nothing to undo.
    public func addTunnelRoute(destination: [UInt8], prefixLength: Int, interface: Int32, metric: UInt32? = nil)
        throws(SystemError)
    {
        try netlink.route(
            add: true, destination: destination, prefixLength: prefixLength, interface: interface, metric: metric)
    }

    /// Keeps the server reachable outside the tunnel when the tunnel takes
    /// the default route: a host route to it through today's next hop.
    public func pinServerRoute(_ server: [UInt8]) throws(SystemError) {
        let current = try netlink.lookup(server)
        try pin(
            RouteClaim(
                destination: server, prefixLength: server.count * 8, gateway: current.gateway,
                interface: current.interfaceIndex))
    }

    /// Pins the host route to the server again through the route the main
    /// table has now outside `avoiding` (issue 14: the path may have
    /// changed while the tunnel was down; the tunnel's own half-default
    /// routes would win a kernel lookup). The old pin is removed first, so
    /// that the lookup sees the host's own routes; when there is no way
    /// outside the tunnel, the old pin comes back.
    /// Returns whether the path changed.
    @discardableResult
    public func rederiveServerRoute(_ server: [UInt8], avoiding: Int32) throws(SystemError) -> Bool {
        let old = pins.first { $0.destination == server }
        if let old, let i = undo.lastIndex(where: { $0.what == Self.pinName(server) }) {
            let entry = undo.remove(at: i)
            do {
                try entry.action()
            } catch {
                log("could not remove the host route to \(SocketAddress.text(server)): \(error)")
            }
            pins.removeAll { $0 == old }
        }
        let current = (try? netlink.lookup(server, avoiding: avoiding)) ?? nil
        let route: RouteClaim
        if let current {
            route = RouteClaim(
                destination: server, prefixLength: server.count * 8, gateway: current.gateway,
                interface: current.interfaceIndex)
        } else if let old {
            log("no way to \(SocketAddress.text(server)) outside the tunnel now; keeping the old host route")
            route = old
        } else {
            return false
        }
        try pin(route)
        return route != old
    }

    private static func pinName(_ server: [UInt8]) -> String { "host route to \(SocketAddress.text(server))" }

    private func pin(_ route: RouteClaim) throws(SystemError) {
        let server = route.destination
        let prefix = route.prefixLength
        // The claim first: a crash between the two leaves a claim of a route
        // that does not exist, which the next start passes over.
        let claims = claimFile()
        do {
            try claims?.add(route)
        } catch {
            log("cannot record the host route in \(claims?.path ?? "") (\(error)): a crash would leave it behind")
        }
        do {
            try netlink.route(
                add: true, destination: server, prefixLength: prefix, gateway: route.gateway,
                interface: route.interface)
        } catch  where error.errno == EEXIST {
            claims?.remove(route)
            log("a host route to \(SocketAddress.text(server)) already exists; leaving it")
            return
        } catch {
            claims?.remove(route)
            throw error
        }
        pins.append(route)
        let netlink = self.netlink
        undo.append(
            (
                Self.pinName(server),
                { () throws(SystemError) in
                    do throws(SystemError) {
                        try netlink.route(
                            add: false, destination: server, prefixLength: prefix, gateway: route.gateway,
                            interface: route.interface)
                    } catch  where error.errno == ESRCH {
                        // Gone already; nothing left to claim.
                    }
                    claims?.remove(route)
                }
            ))
    }

    /// Removes an address from an interface (a reconnect that brought
    /// another one); gone already counts as done.
    public func removeAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]?)
        throws(SystemError)
    {
        do {
            try netlink.removeAddress(interface: interface, local: local, prefixLength: prefixLength, peer: peer)
        } catch  where error.errno == EADDRNOTAVAIL || error.errno == ENODEV {
        }
    }

    /// Is systemd-resolved running (its varlink socket exists)?
    public static var resolvedRunning: Bool {
        access("/run/systemd/resolve/io.systemd.Resolve", F_OK) == 0
    }

    /// Per-link DNS through resolvectl (systemd-resolved). With
    /// `defaultRoute`, the link answers every query ("~."); otherwise only
    /// for `domains`. Returns false when resolved does not run.
    @discardableResult
    public func setDNS(interface: String, servers: [String], domains: [String], defaultRoute: Bool) throws(SystemError)
        -> Bool
    {
        guard Self.resolvedRunning, !servers.isEmpty else { return false }
        let candidates: [String] = ["/usr/bin/resolvectl", "/bin/resolvectl"]
        let resolvectl = candidates.first { access($0, X_OK) == 0 }
        guard let resolvectl else { return false }
        let dns = try Command.run(resolvectl, ["dns", interface] + servers)
        guard dns.status == 0 else {
            throw SystemError("resolvectl dns \(interface): \(dns.output)", errno: EIO)
        }
        undo.append(
            (
                "DNS on \(interface)",
                { () throws(SystemError) in _ = try Command.run(resolvectl, ["revert", interface]) }
            ))
        let routing = defaultRoute ? ["~."] : domains.map { "~" + $0 }
        if !routing.isEmpty {
            _ = try Command.run(resolvectl, ["domain", interface] + routing)
        }
        return true
    }

    /// Reverts every recorded change, newest first; errors are logged, not
    /// thrown, so one failure does not stop the rest.
    public func undoAll() {
        pins.removeAll()
        while let last = undo.popLast() {
            do {
                try last.action()
            } catch {
                log("could not undo \(last.what): \(error)")
            }
        }
    }
}
