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
        #expect(run.pair.client.verification == .verified)
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

    /// A pin does not replace chain and name checks.
    @Test func matchingPinDoesNotExcuseAnotherName() throws {
        var configuration = fixture.client()
        configuration.pins = [try cliPins("other.pem").certificate]
        let error = try fixture.clientError(configuration, chain: "other-chain.pem")
        #expect(error == .hostnameMismatch(expected: "sstp.test", presented: ["other.test"]))
    }

    /// With --insecure-skip-verify the pin is the only check: a self-signed
    /// server is accepted when its pin matches and refused when it does not.
    @Test func pinAloneWithInsecureSkipVerify() throws {
        let pins = try cliPins("selfsigned.pem")
        var configuration = fixture.client()
        configuration.insecureSkipVerify = true
        configuration.pins = [pins.publicKey]
        let server = try fixture.server("selfsigned.pem", key: "selfsigned.key")
        let run = try fixture.handshake(configuration, server: server)
        #expect(run.client == .done)
        #expect(run.pair.client.peerCertificatePin == pins.certificate)
        #expect(run.pair.client.peerPublicKeyPin == pins.publicKey)
        #expect(run.pair.client.insecureWarning?.contains("Only the pin was checked") == true)

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
