import PPP
import SSTPDBus
import SSTPTunnel
import Testing

@testable import SSTPService

/// What the plugin tells NetworkManager (issue 16 items 5 and 6).
@Suite struct NMVPNPluginTests {
    /// IPv6CP gives interface identifiers only: the Ip6Config is
    /// link-local and never claims the IPv6 default route.
    @Test func ip6ConfigIsLinkLocalAndNeverDefault() {
        let v6 = IPv6Configuration(
            localInterfaceIdentifier: [1, 2, 3, 4, 5, 6, 7, 8], peerInterfaceIdentifier: [0, 0, 0, 0, 0, 0, 0, 1],
            mtu: 1400)
        let config = NMVPNPlugin.ip6Config(v6)
        #expect(config["never-default"] == .boolean(true))
        #expect(config["address"] == .bytes([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(config["ptp"] == .bytes([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
        #expect(config["routes"] == nil)
        #expect(config["internal-gateway"] == nil)
    }

    @Test func failureCodes() {
        #expect(NMVPNPlugin.failureCode(.ppp(.authenticationFailed(message: "no"))) == .loginFailed)
        #expect(NMVPNPlugin.failureCode(.ppp(.badIPConfiguration("no address"))) == .badIPConfig)
        let connectFailures: [TunnelFailure] = [
            .tls(.selfSigned(subject: "CN=x")), .timeout("connecting"), .ppp(.peerNotResponding(.lcpEcho)),
            .sstp(.peerNotResponding), .local("no TUN"),
        ]
        for failure in connectFailures { #expect(NMVPNPlugin.failureCode(failure) == .connectFailed, "\(failure)") }
    }
}
