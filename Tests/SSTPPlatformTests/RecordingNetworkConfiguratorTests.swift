import Glibc
import SSTPPlatform
import Testing

@Suite struct RecordingNetworkConfiguratorTests {
    @Test func recordsEveryChangeAndUndoesNewestFirst() throws {
        let net = RecordingNetworkConfigurator()
        let seam: any NetworkConfiguring = net
        try seam.addAddress(interface: 7, local: [10, 0, 0, 2], prefixLength: 32, peer: [10, 0, 0, 1])
        try seam.pinServerRoute([192, 0, 2, 1])
        try seam.addTunnelRoute(destination: [0, 0, 0, 0], prefixLength: 1, interface: 7, metric: nil)
        #expect(try seam.setDNS(interface: "sstp0", servers: ["10.0.0.53"], domains: [], defaultRoute: true))
        #expect(net.applied.count == 4)
        seam.undoAll()
        #expect(net.applied.isEmpty)
        #expect(net.undoAllCount == 1)
        let undone = net.journal.compactMap { entry -> RecordingNetworkConfigurator.Change? in
            if case .undid(let change) = entry { return change }
            return nil
        }
        #expect(undone.first == .dns(interface: "sstp0", servers: ["10.0.0.53"], domains: [], defaultRoute: true))
        #expect(undone.last == .address(interface: 7, local: [10, 0, 0, 2], prefixLength: 32, peer: [10, 0, 0, 1]))
    }

    @Test func failsTheNextChangeOfAKindOnce() throws {
        let net = RecordingNetworkConfigurator()
        net.failNext = ("serverRoute", SystemError("lookup", errno: ENETUNREACH))
        #expect(throws: SystemError.self) { try net.pinServerRoute([192, 0, 2, 1]) }
        try net.pinServerRoute([192, 0, 2, 1])
        #expect(net.applied == [.serverRoute([192, 0, 2, 1])])
    }

    @Test func noDNSWithoutAResolver() throws {
        let net = RecordingNetworkConfigurator()
        net.resolverRunning = false
        #expect(try !net.setDNS(interface: "sstp0", servers: ["10.0.0.53"], domains: [], defaultRoute: false))
        #expect(net.journal.isEmpty)
    }

    @Test func removesAnAddressAndRepinsTheServerRoute() throws {
        let net = RecordingNetworkConfigurator()
        let seam: any NetworkConfiguring = net
        try seam.addAddress(interface: 7, local: [10, 0, 0, 2], prefixLength: 32, peer: [10, 0, 0, 1])
        try seam.pinServerRoute([192, 0, 2, 1])
        try seam.removeAddress(interface: 7, local: [10, 0, 0, 2], prefixLength: 32, peer: [10, 0, 0, 1])
        try seam.addAddress(interface: 7, local: [10, 0, 0, 3], prefixLength: 32, peer: [10, 0, 0, 1])
        #expect(try !seam.rederiveServerRoute([192, 0, 2, 1], avoiding: 7))
        // Nothing pinned for another server: nothing to re-derive.
        #expect(try !seam.rederiveServerRoute([192, 0, 2, 9], avoiding: 7))
        #expect(
            net.applied == [
                .address(interface: 7, local: [10, 0, 0, 3], prefixLength: 32, peer: [10, 0, 0, 1]),
                .serverRoute([192, 0, 2, 1]),
            ])
        #expect(
            net.journal.contains(
                .undid(.address(interface: 7, local: [10, 0, 0, 2], prefixLength: 32, peer: [10, 0, 0, 1]))))
        #expect(net.journal.filter { $0 == .did(.serverRoute([192, 0, 2, 1])) }.count == 2)
        seam.undoAll()
        #expect(net.applied.isEmpty)
    }
}
