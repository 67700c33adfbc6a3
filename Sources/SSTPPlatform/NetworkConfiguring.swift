/// The network-configuration seam, in the manner of a device interface: the
/// few changes a tunnel makes to the host (addresses and routes on its
/// interface, a host route that keeps the server off the tunnel, per-link
/// DNS) and one call that reverts what needs reverting. `NetworkConfigurator`
/// is the real one (rtnetlink, systemd-resolved, route claims);
/// `RecordingNetworkConfigurator` is an in-memory fake for tests.
///
/// Contract: every change that outlives the tunnel's interface is undone by
/// `undoAll`, newest first; `undoAll` never throws (it logs) and may be
/// called more than once.
public protocol NetworkConfiguring: AnyObject {
    /// local/prefix with an optional point-to-point peer on the interface.
    func addAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]?) throws(SystemError)
    /// Removes an address `addAddress` added (a reconnect brought another).
    func removeAddress(interface: Int32, local: [UInt8], prefixLength: Int, peer: [UInt8]?) throws(SystemError)
    /// A route through the tunnel interface (it goes with the interface).
    func addTunnelRoute(destination: [UInt8], prefixLength: Int, interface: Int32, metric: UInt32?)
        throws(SystemError)
    /// A host route to the server through today's next hop.
    func pinServerRoute(_ server: [UInt8]) throws(SystemError)
    /// Pins the host route to the server again through today's next hop,
    /// never through `avoiding` (the tunnel); true when the path changed.
    @discardableResult
    func rederiveServerRoute(_ server: [UInt8], avoiding: Int32) throws(SystemError) -> Bool
    /// Per-link DNS; false when nothing could be applied (no resolver service).
    @discardableResult
    func setDNS(interface: String, servers: [String], domains: [String], defaultRoute: Bool) throws(SystemError)
        -> Bool
    /// Reverts every recorded change, newest first.
    func undoAll()
}

extension NetworkConfigurator: NetworkConfiguring {}
