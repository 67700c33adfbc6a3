import CSSTPPlatform
import Glibc

/// Watches rtnetlink (RFC 3549; rtnetlink(7)) for changes of links,
/// addresses and routes, and after each burst of them asks the kernel again
/// how it would reach the server (RTM_GETROUTE). When the answer differs
/// from the last one (`ServerRouteChange`), `onChange` runs on the event
/// loop. Our own route changes do not count: the host route to the server
/// keeps its interface and gateway, and a driver that changes the path on
/// purpose calls `rebase` afterwards.
public final class RouteWatcher {
    private let loop: EventLoop
    private let fd: Int32
    private let netlink: RouteNetlink
    private let destination: [UInt8]
    private let settle: Duration
    private var pending: EventLoop.TimerID?
    private let onChange: (ServerRouteChange) -> Void
    /// The tunnel whose routes the lookups pass over (nil: the kernel's own lookup).
    private let outside: Int32?
    /// The route the last lookup found (nil: none).
    public private(set) var current: RouteLookup?

    /// `destination`: the server's address (4 or 16 bytes). `settle`: how
    /// long to wait after the first message of a burst before looking
    /// again, so that a route replaced by a delete and an add reads as one
    /// change. `outside`: with the tunnel taking the default route (its
    /// half-default routes and the pinned host route win every kernel
    /// lookup), the tunnel's index: the lookups then ask the main table
    /// for the path a new pin would take (`RouteNetlink.lookup(_:avoiding:)`).
    public init(
        loop: EventLoop, destination: [UInt8], settle: Duration = .milliseconds(200), outside: Int32? = nil,
        onChange: @escaping (ServerRouteChange) -> Void
    ) throws(SystemError) {
        let fd = socket(
            AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            NETLINK_ROUTE)
        guard fd >= 0 else { throw SystemError("socket(AF_NETLINK)") }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = UInt32(
            c(RTMGRP_LINK) | c(RTMGRP_IPV4_IFADDR) | c(RTMGRP_IPV4_ROUTE) | c(RTMGRP_IPV6_IFADDR)
                | c(RTMGRP_IPV6_ROUTE))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else {
            let error = SystemError("bind(AF_NETLINK, route groups)")
            close(fd)
            throw error
        }
        // Room for a burst (a whole routing table flushed); an overrun
        // (ENOBUFS) only means "look again", which we do anyway.
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let netlink: RouteNetlink
        do {
            netlink = try RouteNetlink()
        } catch {
            close(fd)
            throw error
        }
        self.loop = loop
        self.fd = fd
        self.netlink = netlink
        self.destination = destination
        self.settle = settle
        self.onChange = onChange
        self.outside = outside
        self.current = Self.look(netlink, destination, outside: outside)
        do {
            try loop.add(fd: fd, events: .readable) { [weak self] _ in self?.readable() }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Stops watching and closes the socket; harmless twice.
    public func stop() {
        guard fd >= 0, !stopped else { return }
        stopped = true
        if let pending { loop.cancel(pending) }
        loop.remove(fd: fd)
        close(fd)
    }

    private var stopped = false

    /// Takes the route as it is now as the one to compare with (after the
    /// driver changed the path itself, or started a new connection).
    public func rebase() {
        current = Self.look(netlink, destination, outside: outside)
    }

    private static func look(_ netlink: RouteNetlink, _ destination: [UInt8], outside: Int32?) -> RouteLookup? {
        guard let outside else { return try? netlink.lookup(destination) }
        return (try? netlink.lookup(destination, avoiding: outside, skippingOwnHostRoute: true)) ?? nil
    }

    private func readable() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { continue }
            if n < 0 && errno == EINTR { continue }
            break  // EAGAIN: drained; ENOBUFS: overrun, look again all the same.
        }
        guard pending == nil else { return }
        pending = loop.schedule(at: loop.now + settle) { [weak self] in self?.lookAgain() }
    }

    private func lookAgain() {
        pending = nil
        guard !stopped else { return }
        let new = Self.look(netlink, destination, outside: outside)
        let change = ServerRouteChange.between(current, new)
        current = new
        if let change { onChange(change) }
    }
}
