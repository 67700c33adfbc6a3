import Glibc
import PPP
import SSTPPlatform
import Testing

@testable import SSTPTunnel

/// Always on (issue 14), in process: with `reconnect`, a lost transport
/// keeps the device, its addresses, routes and DNS, reports `.reconnecting`
/// instead of `.down`, and drops what the device hands over meanwhile; a
/// disconnect then undoes everything. Authentication failures stay final.
extension InProcessTests {
    @Test func transportLossWithReconnectKeepsTheNetwork() throws {
        let rig = try Rig(reconnect: true)
        let assigned = try Self.bringUp(rig)
        let applied = rig.network.applied
        try #require(rig.serverEnd).cut(.reset)
        try rig.run { rig.events.contains { if case .reconnecting = $0 { true } else { false } } || rig.down != nil }
        #expect(rig.down == nil, "ended instead of reconnecting: \(String(describing: rig.down))")
        let reconnect = rig.events.compactMap { if case .reconnecting(let r) = $0 { r } else { nil } }.first
        #expect(reconnect?.attempt == 1)
        #expect(reconnect?.line.hasPrefix("reconnecting (attempt 1, next in ") == true)
        #expect(rig.network.applied == applied, "the network changed while reconnecting")
        #expect(rig.client.interfaceName == "mem-client")
        // Traffic into the tunnel is read and dropped, not left to pile up.
        let packet = Self.udp(from: assigned, to: IPv4Address(10, 77, 0, 1), payload: [1, 2, 3])
        packet.withUnsafeBytes { rig.clientFar.write($0) }
        try rig.run { rig.client.reconnection.dropped > 0 || rig.down != nil }
        #expect(rig.client.reconnection.dropped == 1)
        rig.client.disconnect()
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure == nil, "\(String(describing: failure))")
        Self.expectNothingLeft(rig)
    }

    @Test func wrongPasswordWithReconnectIsFinal() throws {
        let rig = try Rig(password: "wrong", reconnect: true)
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure?.exitCode == 2, "\(String(describing: failure))")
        #expect(!rig.events.contains { if case .reconnecting = $0 { true } else { false } })
        Self.expectNothingLeft(rig)
    }
}
