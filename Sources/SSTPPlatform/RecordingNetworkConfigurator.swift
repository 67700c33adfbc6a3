/// An in-memory `NetworkConfiguring`: records every change and every undo,
/// touches nothing. `applied` is what the host would still carry; a test
/// asserts it is empty after the tunnel went down. Unlike the real one, it
/// undoes the interface's own addresses and routes as well (the real ones
/// vanish with the TUN), so that "nothing left" is one check.
public final class RecordingNetworkConfigurator: NetworkConfiguring {
    public enum Change: Equatable, Sendable {
        case address(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]?)
        case tunnelRoute(destination: [UInt8], prefixLength: Int, interface: Int32, metric: UInt32?)
        case serverRoute([UInt8])
        case dns(interface: String, servers: [String], domains: [String], defaultRoute: Bool)
    }

    public enum Entry: Equatable, Sendable {
        case did(Change)
        case undid(Change)
    }

    /// Every change and every undo, in order.
    public private(set) var journal: [Entry] = []
    /// The changes not undone yet, oldest first.
    public private(set) var applied: [Change] = []
    /// How often `undoAll` ran.
    public private(set) var undoAllCount = 0
    /// When set, the next change of that kind fails with this error (once).
    public var failNext: (kind: String, error: SystemError)?
    /// What `setDNS` answers (as if systemd-resolved ran).
    public var resolverRunning = true

    public init() {}

    private func record(_ change: Change, kind: String) throws(SystemError) {
        if let fail = failNext, fail.kind == kind {
            failNext = nil
            throw fail.error
        }
        journal.append(.did(change))
        applied.append(change)
    }

    public func addAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]?) throws(SystemError) {
        try record(
            .address(interface: interface, local: local, prefixLength: prefixLength, peer: peer), kind: "address")
    }

    public func removeAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]?)
        throws(SystemError)
    {
        let change = Change.address(interface: interface, local: local, prefixLength: prefixLength, peer: peer)
        applied.removeAll { $0 == change }
        journal.append(.undid(change))
    }

    public func addTunnelRoute(destination: [UInt8], prefixLength: Int, interface: Int32, metric: UInt32?)
        throws(SystemError)
    {
        try record(
            .tunnelRoute(destination: destination, prefixLength: prefixLength, interface: interface, metric: metric),
            kind: "tunnelRoute")
    }

    public func pinServerRoute(_ server: [UInt8]) throws(SystemError) {
        try record(.serverRoute(server), kind: "serverRoute")
    }

    /// Journals the route as undone and pinned again (the fake has one path).
    @discardableResult
    public func rederiveServerRoute(_ server: [UInt8], avoiding: Int32) throws(SystemError) -> Bool {
        guard let i = applied.firstIndex(of: .serverRoute(server)) else { return false }
        applied.remove(at: i)
        journal.append(.undid(.serverRoute(server)))
        try record(.serverRoute(server), kind: "serverRoute")
        return false
    }

    @discardableResult
    public func setDNS(interface: String, servers: [String], domains: [String], defaultRoute: Bool) throws(SystemError)
        -> Bool
    {
        guard resolverRunning, !servers.isEmpty else { return false }
        try record(
            .dns(interface: interface, servers: servers, domains: domains, defaultRoute: defaultRoute), kind: "dns")
        return true
    }

    public func undoAll() {
        undoAllCount += 1
        while let last = applied.popLast() { journal.append(.undid(last)) }
    }
}
