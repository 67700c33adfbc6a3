import SSTPTLS
import Testing

/// Each certificate problem is refused with its own TLSError case, whose
/// description names the problem and says what to do.
@Suite struct CertificateRefusalTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    @Test func certificateForAnotherName() throws {
        let run = try fixture.handshake(fixture.client(), server: fixture.server("other-chain.pem"))
        #expect(run.client == .failed(.hostnameMismatch(expected: "sstp.test", presented: ["other.test"])))
        // The server learns of it from the client's alert.
        #expect(run.server.error != nil)
        #expect(run.pair.client.peerCertificateDER == nil)
        let text = try #require(run.client.error).description
        #expect(text.contains("not valid for sstp.test"))
        #expect(text.contains("it is for other.test"))
    }

    /// The server sends its whole chain up to a root we do not trust.
    @Test func untrustedRootInTheChain() throws {
        let error = try fixture.clientError(fixture.client(), chain: "other-leaf-fullchain.pem")
        #expect(error == .untrustedIssuer(root: "CN=Other Test Root CA", depth: 2))
        #expect(error?.description.contains("--ca-cert") == true)
    }

    /// The server sends leaf and intermediate; their root is not trusted.
    @Test func untrustedCANotSent() throws {
        let error = try fixture.clientError(fixture.client(), chain: "other-leaf-chain.pem")
        #expect(
            error
                == .unableToGetIssuer(
                    certificate: "CN=Other Test Intermediate CA", issuer: "CN=Other Test Root CA", depth: 1,
                    presentedCount: 2))
    }

    /// The MikroTik case: the server sends only its own certificate.
    @Test func missingIntermediateIsNamed() throws {
        let error = try fixture.clientError(fixture.client(), chain: "sstp.pem")
        #expect(
            error
                == .unableToGetIssuer(
                    certificate: "CN=sstp.test", issuer: "CN=SSTP Test Intermediate CA", depth: 0,
                    presentedCount: 1))
        let text = try #require(error).description
        #expect(text.contains("\"CN=SSTP Test Intermediate CA\""))
        #expect(text.contains("--extra-ca"))
    }

    @Test func missingIntermediateSuppliedWithExtraCA() throws {
        var configuration = fixture.client()
        configuration.extraCAFile = fixture.pki.path("int.pem")
        let run = try fixture.handshake(configuration, server: fixture.server("sstp.pem"))
        #expect(run.client == .done)
        #expect(run.pair.client.verification == .verified)
    }

    /// The system store does not hold the test root.
    @Test func systemStoreDoesNotTrustTheTestRoot() throws {
        let configuration = TLSClientConfiguration(serverName: "sstp.test")
        let error = try fixture.clientError(configuration, chain: "sstp-chain.pem")
        #expect(
            error
                == .unableToGetIssuer(
                    certificate: "CN=SSTP Test Intermediate CA", issuer: "CN=SSTP Test Root CA", depth: 1,
                    presentedCount: 2))
    }

    @Test func expiredCertificate() throws {
        let error = try fixture.clientError(fixture.client(), chain: "expired-chain.pem")
        #expect(error == .expired(subject: "CN=sstp.test", notAfter: "2020-02-01 00:00:00 UTC", depth: 0))
        #expect(error?.description.contains("expired on 2020-02-01 00:00:00 UTC") == true)
    }

    @Test func notYetValidCertificate() throws {
        let error = try fixture.clientError(fixture.client(), chain: "future-chain.pem")
        #expect(
            error == .notYetValid(subject: "CN=sstp.test", notBefore: "2090-01-01 00:00:00 UTC", depth: 0))
    }

    @Test func selfSignedCertificate() throws {
        let error = try fixture.clientError(fixture.client(), chain: "selfsigned.pem", key: "selfsigned.key")
        #expect(error == .selfSigned(subject: "CN=sstp.test"))
    }

    /// Passing the self-signed certificate itself with --ca-cert trusts
    /// exactly it, and the name is still checked.
    @Test func selfSignedCertificateTrustedWithCAFile() throws {
        var configuration = fixture.client()
        configuration.trust = .caFile(fixture.pki.path("selfsigned.pem"))
        let server = try fixture.server("selfsigned.pem", key: "selfsigned.key")
        let run = try fixture.handshake(configuration, server: server)
        #expect(run.client == .done)
        #expect(run.pair.client.verification == .verified)

        configuration.serverName = "other.test"
        let refused = try fixture.handshake(configuration, server: server)
        guard case .hostnameMismatch = refused.client.error else {
            Issue.record("expected hostnameMismatch, got \(refused.client)")
            return
        }
    }

    @Test func certificateWithoutServerAuth() throws {
        let error = try fixture.clientError(fixture.client(), chain: "clientauth-chain.pem")
        guard case .wrongPurpose(let subject, let depth, let reason) = error else {
            Issue.record("expected wrongPurpose, got \(String(describing: error))")
            return
        }
        #expect(subject == "CN=sstp.test" && depth == 0)
        #expect(reason.contains("neither serverAuth nor anyExtendedKeyUsage"))
        #expect(error?.description.contains("extendedKeyUsage = serverAuth") == true)
    }

    /// anyExtendedKeyUsage stands in for serverAuth only: a key usage that
    /// forbids TLS is still refused.
    @Test func anyExtendedKeyUsageDoesNotExcuseTheKeyUsage() throws {
        let error = try fixture.clientError(fixture.client(), chain: "anyeku-badku-chain.pem")
        guard case .wrongPurpose(let subject, let depth, let reason) = error else {
            Issue.record("expected wrongPurpose, got \(String(describing: error))")
            return
        }
        #expect(subject == "CN=sstp.test" && depth == 0)
        #expect(reason.contains("key usage allows none of"))
    }

    @Test func insecureSkipVerifyConnectsToSelfSignedAndWarns() throws {
        var configuration = fixture.client()
        configuration.insecureSkipVerify = true
        let server = try fixture.server("selfsigned.pem", key: "selfsigned.key")
        let run = try fixture.handshake(configuration, server: server)
        #expect(run.client == .done)
        #expect(
            run.pair.client.verification == .skipped(wouldHaveFailed: .selfSigned(subject: "CN=sstp.test")))
        #expect(run.pair.client.peerCertificateDER == server.localCertificateDER)
        let warning = try #require(run.pair.client.insecureWarning)
        #expect(warning.contains("verification is OFF"))
        #expect(warning.contains("self-signed"))
        let up = TLSPair.pattern(100)
        #expect(try run.pair.send(up, from: run.pair.client, chunk: 100) == up)
    }

    /// Every connect gets the warning, also when verification would pass.
    @Test func insecureSkipVerifyWarnsEvenWhenTheCertificateIsGood() throws {
        var configuration = fixture.client()
        configuration.insecureSkipVerify = true
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.client == .done)
        #expect(run.pair.client.verification == .skipped(wouldHaveFailed: nil))
        #expect(run.pair.client.insecureWarning?.contains("would have passed") == true)
    }

    @Test func versionRangesWithoutOverlap() throws {
        var onlyTLS13 = fixture.client()
        onlyTLS13.minVersion = .tls13
        let first = try fixture.handshake(onlyTLS13, server: fixture.server(max: .tls12))
        guard case .failed(.protocolVersion(let minimum, let maximum, _)) = first.client else {
            Issue.record("client: expected protocolVersion, got \(first.client)")
            return
        }
        #expect(minimum == .tls13 && maximum == .tls13)
        guard case .failed(.protocolVersion) = first.server else {
            Issue.record("server: expected protocolVersion, got \(first.server)")
            return
        }

        var onlyTLS12 = fixture.client()
        onlyTLS12.maxVersion = .tls12
        let second = try fixture.handshake(onlyTLS12, server: fixture.server(min: .tls13))
        guard case .failed(.protocolVersion(let minimum2, let maximum2, _)) = second.client else {
            Issue.record("client: expected protocolVersion, got \(second.client)")
            return
        }
        #expect(minimum2 == .tls12 && maximum2 == .tls12)
        #expect(second.client.error?.description.contains("share no TLS version") == true)
    }
}
