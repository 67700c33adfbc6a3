import SSTPTLS
import Testing

/// --pin sha256:BASE64 on the leaf certificate or its public key.
@Suite struct PinTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    /// The pins as the openssl command line computes them (the recipes in
    /// TLSPin's documentation), independent of our code.
    func cliPins(_ certificate: String) throws -> (certificate: TLSPin, publicKey: TLSPin) {
        let leaf = try fixture.pki.shell(
            "openssl x509 -in \(certificate) -outform der | openssl dgst -sha256 -binary | base64")
        let key = try fixture.pki.shell(
            "openssl x509 -in \(certificate) -pubkey -noout | openssl pkey -pubin -outform der"
                + " | openssl dgst -sha256 -binary | base64")
        return (try TLSPin(parsing: "sha256:" + leaf), try TLSPin(parsing: "sha256:" + key))
    }

    @Test func certificatePinMatches() throws {
        var configuration = fixture.client()
        configuration.pins = [try cliPins("sstp.pem").certificate]
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.client == .done)
        #expect(run.pair.client.verification == .pinned(chainFailure: nil))
    }

    @Test func publicKeyPinMatches() throws {
        var configuration = fixture.client()
        let unrelated = try cliPins("root.pem").certificate
        configuration.pins = [unrelated, try cliPins("sstp.pem").publicKey]
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.client == .done)
    }

    @Test func wrongPinIsRefusedAndShowsTheServersPins() throws {
        let expected = try cliPins("sstp.pem")
        let wrong = try cliPins("root.pem").publicKey
        var configuration = fixture.client()
        configuration.pins = [wrong]
        let error = try fixture.clientError(configuration, chain: "sstp-chain.pem")
        #expect(
            error
                == .pinMismatch(
                    expected: [wrong], certificate: expected.certificate, publicKey: expected.publicKey))
        let text = try #require(error).description
        #expect(text.contains(expected.certificate.description))
        #expect(text.contains(expected.publicKey.description))
    }

    /// A pin names exactly one certificate or key, so a match is the trust
    /// decision: a self-signed server is trusted with its pin alone (no
    /// --ca-cert, no --insecure-skip-verify), by certificate or by key.
    @Test(arguments: [false, true])
    func pinAloneTrustsASelfSignedServer(byPublicKey: Bool) throws {
        let pins = try cliPins("selfsigned.pem")
        var configuration = TLSClientConfiguration(serverName: "sstp.test")
        configuration.pins = [byPublicKey ? pins.publicKey : pins.certificate]
        let server = try fixture.server("selfsigned.pem", key: "selfsigned.key")
        let run = try fixture.handshake(configuration, server: server)
        #expect(run.client == .done, "\(run.client)")
        #expect(run.pair.client.verification == .pinned(chainFailure: .selfSigned(subject: "CN=sstp.test")))
        #expect(run.pair.client.insecureWarning == nil)
        #expect(run.pair.client.peerCertificatePin == pins.certificate)
    }

    /// The host name check is moot too: the pin says which certificate.
    @Test func matchingPinIsTheTrustDecisionEvenForAnotherName() throws {
        var configuration = fixture.client()
        configuration.pins = [try cliPins("other.pem").certificate]
        let run = try fixture.handshake(configuration, server: fixture.server("other-chain.pem"))
        #expect(run.client == .done, "\(run.client)")
        #expect(
            run.pair.client.verification
                == .pinned(chainFailure: .hostnameMismatch(expected: "sstp.test", presented: ["other.test"])))
    }

    /// A pin that matches a chain that also verifies: pinned, nothing failed.
    @Test func matchingPinOnAVerifiedChain() throws {
        var configuration = fixture.client()
        configuration.pins = [try cliPins("sstp.pem").certificate]
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.pair.client.verification == .pinned(chainFailure: nil))
    }

    /// A wrong pin refuses a self-signed server with the pin error (not the
    /// self-signed one) and shows both of the server's real pins.
    @Test func wrongPinRefusesASelfSignedServerShowingItsPins() throws {
        let pins = try cliPins("selfsigned.pem")
        let wrong = try cliPins("sstp.pem").certificate
        var configuration = TLSClientConfiguration(serverName: "sstp.test")
        configuration.pins = [wrong]
        let error = try fixture.clientError(configuration, chain: "selfsigned.pem", key: "selfsigned.key")
        #expect(error == .pinMismatch(expected: [wrong], certificate: pins.certificate, publicKey: pins.publicKey))
        let text = try #require(error).description
        #expect(text.contains(pins.certificate.description) && text.contains(pins.publicKey.description))
    }

    /// With --insecure-skip-verify as well, a matching pin still decides
    /// (pinned, no warning: the pin is a real check), and a wrong pin still
    /// refuses.
    @Test func pinWithInsecureSkipVerify() throws {
        let pins = try cliPins("selfsigned.pem")
        var configuration = fixture.client()
        configuration.insecureSkipVerify = true
        configuration.pins = [pins.publicKey]
        let server = try fixture.server("selfsigned.pem", key: "selfsigned.key")
        let run = try fixture.handshake(configuration, server: server)
        #expect(run.client == .done)
        #expect(run.pair.client.peerCertificatePin == pins.certificate)
        #expect(run.pair.client.peerPublicKeyPin == pins.publicKey)
        #expect(run.pair.client.verification == .pinned(chainFailure: .selfSigned(subject: "CN=sstp.test")))
        #expect(run.pair.client.insecureWarning == nil)

        configuration.pins = [try cliPins("sstp.pem").certificate]
        let refused = try fixture.handshake(configuration, server: server)
        guard case .failed(.pinMismatch) = refused.client else {
            Issue.record("expected pinMismatch, got \(refused.client)")
            return
        }
    }

    @Test func pinsFromDERMatchTheCommandLine() throws {
        let server = try fixture.server()
        let pins = try cliPins("sstp.pem")
        #expect(try TLSPin.certificate(der: server.localCertificateDER) == pins.certificate)
        #expect(try TLSPin.publicKey(certificateDER: server.localCertificateDER) == pins.publicKey)
    }
}
