import SSTPPlatform
import Testing

/// HOST[:PORT] with IPv6 literals, as the CLI, the D-Bus `server` option
/// and the proxy option take it (issue 16 item 7).
@Suite struct HostPortTests {
    @Test func acceptedForms() throws {
        let cases: [(String, String, UInt16)] = [
            ("vpn.example.com", "vpn.example.com", 443),
            ("vpn.example.com:8443", "vpn.example.com", 8443),
            ("10.0.0.1:1", "10.0.0.1", 1),
            ("[fd00::1]:8443", "fd00::1", 8443),
            ("[fd00::1]", "fd00::1", 443),
            ("fd00::1", "fd00::1", 443),
            ("::1", "::1", 443),
            ("[::ffff:10.0.0.1]:65535", "::ffff:10.0.0.1", 65535),
        ]
        for (text, host, port) in cases {
            let parsed = try HostPort(parsing: text, defaultPort: 443)
            #expect(parsed == HostPort(host: host, port: port), "\(text)")
        }
    }

    @Test func refusedForms() {
        for text in [
            "", "[fd00::1", "[fd00::1]:", "[fd00::1]:x", "[fd00::1]:0", "[fd00::1]:65536", "[]:443",
            "[host]:443", "[fd00::1]8443", "host:", "host:0", ":443", "host:+1", "host:99999",
        ] {
            #expect(throws: HostPort.Invalid.self, "\(text)") { try HostPort(parsing: text, defaultPort: 443) }
        }
    }

    @Test func descriptionBracketsIPv6() {
        #expect(HostPort(host: "fd00::1", port: 443).description == "[fd00::1]:443")
        #expect(HostPort(host: "vpn.example.com", port: 8443).description == "vpn.example.com:8443")
    }
}
