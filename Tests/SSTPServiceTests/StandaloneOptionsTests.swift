import SSTPDBus
import Testing

@testable import SSTPService

/// The `server` option of Connect (issue 16 item 7).
@Suite struct StandaloneOptionsTests {
    func options(server: String) throws(StandaloneOptions.Invalid) -> (String, UInt16) {
        let parsed = try StandaloneOptions.parse([
            "server": .variant(.string(server)), "user": .variant(.string("alice")),
            "password": .variant(.string("x")),
        ])
        return (parsed.server, parsed.port)
    }

    @Test func serverTakesIPv6Literals() throws {
        #expect(try options(server: "[fd00::1]:8443") == ("fd00::1", 8443))
        #expect(try options(server: "[fd00::1]") == ("fd00::1", 443))
        #expect(try options(server: "fd00::1") == ("fd00::1", 443))
        #expect(try options(server: "vpn.example.com:4443") == ("vpn.example.com", 4443))
    }

    @Test func badServersAreRefusedByName() {
        for text in ["[fd00::1", "[fd00::1]:0", "host:x"] {
            do {
                _ = try options(server: text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains("option \"server\""), "\(error)")
            }
        }
    }

    /// EAP-TLS needs no password; the other methods still do.
    @Test func eapTLSNeedsNoPassword() {
        let base: [String: DBusValue] = [
            "server": .variant(.string("vpn.example")), "user": .variant(.string("alice")),
        ]
        do {
            _ = try StandaloneOptions.parse(base.merging(["auth": .variant(.string("tls"))]) { a, _ in a })
            Issue.record("auth tls without a certificate was accepted")
        } catch {
            #expect(error.description.contains("client certificate"), "\(error)")
        }
        do {
            _ = try StandaloneOptions.parse(base.merging(["auth": .variant(.string("peap"))]) { a, _ in a })
            Issue.record("auth peap without a password was accepted")
        } catch {
            #expect(error.description.contains("password"), "\(error)")
        }
    }
}
