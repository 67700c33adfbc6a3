import PPP
import SSTPPlatform
import Testing

@testable import PPPDBackend

/// pppd's command line: the options that keep it out of SSTP's way, our
/// refusals, and never the password (it crosses only the plugin's socket).
@Suite struct PPPDArgumentsTests {
    static func arguments(refused: Set<PPPAuthenticationMethod> = [], requestIPv6: Bool = false) throws -> [String] {
        let loop = try EventLoop()
        let configuration = PPPDDriver.Configuration(
            pppdPath: "/usr/sbin/pppd", pluginPath: "/usr/lib/pppd/2.5.0/sstp-pppd-bridge.so", userName: "alice",
            password: "hunter2-secret", refused: refused, requestIPv6: requestIPv6, mtu: 1400,
            keepalive: PPPKeepalive(interval: .seconds(10), failureLimit: 3), unit: nil)
        let driver = PPPDDriver(configuration: configuration, loop: loop) { _ in }
        return driver.arguments(tty: "/dev/pts/9", socketPath: "/run/sstp-pppd-x/bridge.sock")
    }

    @Test func thePasswordIsNeverOnTheCommandLine() throws {
        let argv = try Self.arguments()
        #expect(!argv.contains { $0.contains("hunter2") })
        #expect(argv.first == "/usr/sbin/pppd")
        #expect(argv[1] == "/dev/pts/9")
        // logfd before anything pppd might log about.
        #expect(Array(argv[2...4]) == ["38400", "logfd", "3"])
        let socket = try #require(argv.firstIndex(of: "sstp-bridge-socket"))
        #expect(argv[socket + 1] == "/run/sstp-pppd-x/bridge.sock")
        #expect(argv.contains("refuse-mschap"))
        #expect(argv.contains("noccp"))
        #expect(argv.contains("noipv6"))
        let echo = try #require(argv.firstIndex(of: "lcp-echo-interval"))
        #expect(Array(argv[echo...].prefix(4)) == ["lcp-echo-interval", "10", "lcp-echo-failure", "3"])
    }

    @Test func refusalsAndIPv6() throws {
        let argv = try Self.arguments(refused: [.pap, .chapMD5, .mschapv2, .eapMSCHAPv2], requestIPv6: true)
        for option in ["refuse-pap", "refuse-chap", "refuse-mschap-v2", "refuse-eap", "+ipv6"] {
            #expect(argv.contains(option), "\(option)")
        }
        #expect(!argv.contains("noipv6"))
        let plain = try Self.arguments()
        #expect(!plain.contains("refuse-pap"))
    }
}
