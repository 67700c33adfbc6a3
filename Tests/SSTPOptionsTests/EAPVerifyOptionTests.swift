import PPP
import SSTPOptions
import SSTPService
import Testing

/// network-manager-sstp's EAP-TLS keys beyond the certificate: the identity
/// (tls-identity, tls-subject-name, or the certificate), the verify method
/// with tls-remotename, the TLS ceiling.
@Suite struct EAPVerifyOptionTests {
    /// An EAP-TLS profile as network-manager-sstp's editor writes it: no
    /// `user` key.
    func profile(_ extra: [String: String]) throws -> [String: String] {
        let files = try EAPOptionTests.made.get()
        return [
            "gateway": "vpn.example", "connection-type": "tls", "tls-user-cert": files.certificate,
            "tls-user-key": files.key, "tls-ca-cert": files.certificate,
        ].merging(extra) { $1 }
    }

    func ppp(_ data: [String: String]) throws -> PPPClientConfiguration {
        var settings = NMVPNSettings(data: data, secrets: [:], userName: nil)
        return try settings.clientOptions().ppp
    }

    @Test func identityWithoutAUser() throws {
        // The editor's tls-subject-name, then tls-identity over it, then the
        // certificate's common name (CN=client) when neither is there.
        #expect(try ppp(profile(["tls-subject-name": "alice@example.com"])).eapIdentity == "alice@example.com")
        #expect(
            try ppp(profile(["tls-subject-name": "alice@example.com", "tls-identity": "bob"])).eapIdentity == "bob")
        #expect(try ppp(profile([:])).eapIdentity == "client")
        // With a user, the user is the identity, as before.
        let withUser = try ppp(profile(["user": "carol"]))
        #expect(withUser.eapIdentity == nil)
        #expect(withUser.userName == "carol")
    }

    @Test func passwordProfilesStillNeedTheUser() throws {
        var settings = NMVPNSettings(data: ["gateway": "vpn.example"], secrets: ["password": "x"], userName: nil)
        #expect(throws: NMVPNSettings.Invalid.self) { try settings.clientOptions() }
    }

    @Test func verifyMethodNeedsTheRemoteName() throws {
        var settings = NMVPNSettings(
            data: try profile(["tls-verify-method": "name"]), secrets: [:], userName: nil)
        do {
            _ = try settings.clientOptions()
            Issue.record("tls-verify-method name without tls-remotename was accepted")
        } catch {
            #expect(error.description.contains("tls-remotename"), "\(error)")
        }
        for method in ["none", "name", "subject", "suffix"] {
            #expect(throws: Never.self) {
                try ppp(profile(["tls-verify-method": method, "tls-remotename": "radius.example"]))
            }
        }
        #expect(throws: Never.self) { try ppp(profile(["tls-verify-method": "none"])) }
        #expect(throws: NMVPNSettings.Invalid.self) {
            try ppp(profile(["tls-verify-method": "cn", "tls-remotename": "radius.example"]))
        }
    }

    @Test func tlsCeilingIsOneTwoOrOneThree() throws {
        #expect(throws: Never.self) { try ppp(profile(["tls-max-version": "1.2"])) }
        #expect(throws: Never.self) { try ppp(profile(["tls-max-version": "1.3"])) }
        var old = NMVPNSettings(data: try profile(["tls-max-version": "1.0"]), secrets: [:], userName: nil)
        do {
            _ = try old.clientOptions()
            Issue.record("tls-max-version 1.0 was accepted")
        } catch {
            #expect(error.description.contains("1.2 or 1.3"), "\(error)")
        }
    }

    @Test func crlFileMustHoldACRL() throws {
        let files = try EAPOptionTests.made.get()
        var settings = NMVPNSettings(
            data: try profile(["crl-file": files.certificate]), secrets: [:], userName: nil)
        do {
            _ = try settings.clientOptions()
            Issue.record("a certificate was taken as a CRL")
        } catch {
            #expect(error.description.contains("crl-file"), "\(error)")
            #expect(error.description.contains("CRL"), "\(error)")
        }
    }
}
