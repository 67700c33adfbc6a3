import SSTPTLS
import Testing

/// Good handshakes: versions, SNI, names, and bytes both ways.
@Suite struct HandshakeTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    @Test func tls13HandshakeCarriesBytesBothWaysAndSendsSNI() throws {
        let server = try fixture.server()
        let run = try fixture.handshake(fixture.client(), server: server)
        #expect(run.client == .done)
        #expect(run.server == .done)
        let client = run.pair.client
        #expect(client.negotiatedVersion == .tls13)
        #expect(run.pair.server.negotiatedVersion == .tls13)
        #expect(client.cipherName?.hasPrefix("TLS_") == true)
        #expect(client.verification == .verified)
        #expect(client.insecureWarning == nil)
        // SNI as the server saw it.
        #expect(run.pair.server.serverName == "sstp.test")
        #expect(client.serverName == "sstp.test")
        // The certificate the client verified is the server's own leaf:
        // the one both sides' crypto binding hashes.
        #expect(client.peerCertificateDER == server.localCertificateDER)
        #expect(run.pair.server.peerCertificateDER == nil)

        let up = TLSPair.pattern(5000, seed: 1)
        #expect(try run.pair.send(up, from: run.pair.client, chunk: 5000) == up)
        let down = TLSPair.pattern(7000, seed: 2)
        #expect(try run.pair.send(down, from: run.pair.server, chunk: 7000) == down)

        // close_notify arrives as .closed.
        #expect(try client.shutdown() == .done)
        run.pair.relay()
        var buffer = [UInt8](repeating: 0, count: 64)
        let result = try buffer.withUnsafeMutableBytes { try run.pair.server.read(into: $0) }
        #expect(result == .closed)
    }

    /// A TCP close without close_notify is not a clean end of the stream.
    @Test func truncationIsAnError() throws {
        let run = try fixture.handshake(fixture.client(), server: fixture.server())
        #expect(run.client == .done && run.server == .done)
        run.pair.cutServerSocket()
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(throws: TLSError.peerClosed(duringHandshake: false)) {
            for _ in 0..<100 {
                run.pair.relay()
                _ = try buffer.withUnsafeMutableBytes { try run.pair.client.read(into: $0) }
            }
        }
        // The error is sticky.
        #expect(throws: TLSError.peerClosed(duringHandshake: false)) {
            try buffer.withUnsafeMutableBytes { try run.pair.client.read(into: $0) }
        }
        #expect(try run.pair.client.shutdown() == .done)
    }

    @Test func tls12WhenTheClientCapsAt12() throws {
        var configuration = fixture.client()
        configuration.maxVersion = .tls12
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.client == .done)
        #expect(run.server == .done)
        #expect(run.pair.client.negotiatedVersion == .tls12)
        #expect(run.pair.server.serverName == "sstp.test")
        #expect(run.pair.client.verification == .verified)
        let up = TLSPair.pattern(3000, seed: 3)
        #expect(try run.pair.send(up, from: run.pair.client, chunk: 3000) == up)
        let down = TLSPair.pattern(3000, seed: 4)
        #expect(try run.pair.send(down, from: run.pair.server, chunk: 3000) == down)
    }

    @Test func tls12WhenTheServerCapsAt12() throws {
        let run = try fixture.handshake(fixture.client(), server: fixture.server(max: .tls12))
        #expect(run.client == .done)
        #expect(run.pair.client.negotiatedVersion == .tls12)
    }

    @Test func noSNIWhenTurnedOff() throws {
        var configuration = fixture.client()
        configuration.sni = false
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.client == .done)
        #expect(run.pair.server.serverName == nil)
    }

    @Test(arguments: ["127.0.0.1", "::1", "[::1]"])
    func ipAddressMatchesAnIPSubjectAltNameAndSendsNoSNI(address: String) throws {
        let run = try fixture.handshake(fixture.client(address), server: fixture.server())
        #expect(run.client == .done)
        #expect(run.pair.client.verification == .verified)
        // RFC 6066 §3: no SNI for an address literal.
        #expect(run.pair.server.serverName == nil)
    }

    @Test func anotherIPAddressIsRefused() throws {
        let error = try fixture.clientError(fixture.client("127.0.0.2"), chain: "sstp-chain.pem")
        guard case .hostnameMismatch(let expected, let presented) = error else {
            Issue.record("expected hostnameMismatch, got \(String(describing: error))")
            return
        }
        #expect(expected == "127.0.0.2")
        #expect(presented == ["sstp.test", "*.wild.test", "127.0.0.1", "::1", "10.99.0.1"])
    }

    @Test func wildcardMatchesOneLabelOnly() throws {
        let good = try fixture.handshake(fixture.client("vpn.wild.test"), server: fixture.server())
        #expect(good.client == .done)
        #expect(good.pair.server.serverName == "vpn.wild.test")
        for name in ["a.b.wild.test", "wild.test"] {
            let error = try fixture.clientError(fixture.client(name), chain: "sstp-chain.pem")
            guard case .hostnameMismatch(let expected, _) = error else {
                Issue.record("\(name): expected hostnameMismatch, got \(String(describing: error))")
                continue
            }
            #expect(expected == name)
        }
    }

    /// RFC 6125 §7.2 lets clients refuse "vpn*.partial.test"; we do
    /// (X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS).
    @Test func partialWildcardIsRefused() throws {
        let error = try fixture.clientError(fixture.client("vpn1.partial.test"), chain: "partial-chain.pem")
        #expect(error == .hostnameMismatch(expected: "vpn1.partial.test", presented: ["vpn*.partial.test"]))
    }

    @Test func nameMatchingIsCaseInsensitiveAndIgnoresTheRootDot() throws {
        for name in ["SSTP.Test", "sstp.test."] {
            let run = try fixture.handshake(fixture.client(name), server: fixture.server())
            #expect(run.client == .done, "\(name)")
        }
    }

    /// A certificate without subjectAltName is checked against its CN (the
    /// RFC 6125 §6.4.4 fallback OpenSSL keeps; old MikroTik certificates).
    @Test func commonNameIsUsedWhenThereIsNoSubjectAltName() throws {
        let run = try fixture.handshake(fixture.client(), server: fixture.server("cnonly-chain.pem"))
        #expect(run.client == .done)
        let error = try fixture.clientError(fixture.client("other.test"), chain: "cnonly-chain.pem")
        #expect(error == .hostnameMismatch(expected: "other.test", presented: ["sstp.test"]))
    }

    /// MS-SSTP 3.2.4.1 accepts anyExtendedKeyUsage in place of serverAuth;
    /// OpenSSL's purpose check alone would not.
    @Test func anyExtendedKeyUsageIsAccepted() throws {
        let run = try fixture.handshake(fixture.client(), server: fixture.server("anyeku-chain.pem"))
        #expect(run.client == .done)
        #expect(run.pair.client.verification == .verified)
    }

    @Test func systemStorePlusExtraCAFile() throws {
        var configuration = TLSClientConfiguration(serverName: "sstp.test")
        configuration.extraCAFile = fixture.pki.path("root.pem")
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.client == .done)
        #expect(run.pair.client.verification == .verified)
    }

    @Test func readBeforeTheHandshakeIsACallerBug() throws {
        let pair = try TLSPair(client: TLSClientContext(fixture.client()), server: fixture.server())
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(throws: TLSError.handshakeNotFinished) {
            try buffer.withUnsafeMutableBytes { try pair.client.read(into: $0) }
        }
    }
}
