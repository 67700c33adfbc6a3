import CSSTPOpenSSL
import Glibc
import SSTPTLS
import Testing

/// TLS 1.2 offers only forward-secret AEAD suites unless the legacy list is
/// asked for (`legacyCipherSuites`, --tls-legacy-ciphers); TLS 1.3 is the
/// same either way.
@Suite struct CipherSuiteTests {
    /// An OpenSSL server limited to TLS 1.2 and one cipher list (an old
    /// server); its own order decides (SSL_OP_CIPHER_SERVER_PREFERENCE, bit
    /// 22), and DHE works (SSL_CTX_set_dh_auto): both are macros.
    static func restrictedServer(pki: TestPKI, socket: Int32, ciphers: String) throws -> RawOpenSSLServer {
        try RawOpenSSLServer(
            socket: socket, version: TLS1_2_VERSION, ciphers: ciphers, chain: pki.path("rsa-chain.pem"),
            key: pki.path("rsa.key")
        ) { ctx in
            SSL_CTX_set_options(ctx, UInt64(1) << 22)
            SSL_CTX_ctrl(ctx, SSL_CTRL_SET_DH_AUTO, 1, nil)
        }
    }

    struct Outcome {
        var client: TLSPair.Side
        var cipher: String?
    }

    /// The handshake of a client (TLS 1.2 and 1.3 allowed) against a server
    /// that offers only `ciphers` in TLS 1.2.
    func handshake(legacy: Bool, serverCiphers ciphers: String) throws -> Outcome {
        signal(SIGPIPE, SIG_IGN)
        let fixture = try Fixture()
        let (clientSocket, serverSocket) = try TLSPair.socketPair()
        defer {
            close(clientSocket)
            close(serverSocket)
        }
        let server = try Self.restrictedServer(pki: fixture.pki, socket: serverSocket, ciphers: ciphers)
        var configuration = fixture.client()
        configuration.legacyCipherSuites = legacy
        let client = try TLSClientContext(configuration).connect(socket: clientSocket)
        var serverState = 0
        for _ in 0..<1000 {
            do {
                if try client.handshake() == .done { return Outcome(client: .done, cipher: client.cipherName) }
            } catch {
                return Outcome(client: .failed(error), cipher: nil)
            }
            if serverState == 0 {
                serverState = server.step()
                if serverState < 0 { Glibc.shutdown(serverSocket, Int32(SHUT_WR)) }
            }
        }
        return Outcome(client: .pending, cipher: nil)
    }

    @Test func serverWithOnlyAES128SHAIsRefusedNamingTheOption() throws {
        let outcome = try handshake(legacy: false, serverCiphers: "AES128-SHA")
        #expect(outcome.client == .failed(.noForwardSecretCipherSuite))
        let text = outcome.client.error?.description ?? ""
        #expect(text.contains("--tls-legacy-ciphers"))
        #expect(text.contains("vpn.data tls-legacy-ciphers=yes"))
    }

    @Test func legacyCipherSuitesAcceptAES128SHA() throws {
        let outcome = try handshake(legacy: true, serverCiphers: "AES128-SHA")
        #expect(outcome.client == .done, "\(outcome.client)")
        #expect(outcome.cipher == "AES128-SHA")
    }

    /// A server that offers both, in its own order of preference with the
    /// legacy suites first, picks the forward-secret AEAD one: the client
    /// offered nothing else.
    @Test(arguments: ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES256-GCM-SHA384"])
    func defaultOffersForwardSecretAEADSuites(suite: String) throws {
        let outcome = try handshake(legacy: false, serverCiphers: "AES128-SHA:AES256-GCM-SHA384:\(suite)")
        #expect(outcome.client == .done, "\(outcome.client)")
        #expect(outcome.cipher == suite)
    }

    /// Our own server offers the same forward-secret suites in TLS 1.2.
    @Test func ownServerNegotiatesAForwardSecretSuite() throws {
        let fixture = try Fixture()
        var configuration = fixture.client()
        configuration.maxVersion = .tls12
        configuration.legacyCipherSuites = true
        let run = try fixture.handshake(configuration, server: fixture.server("rsa-chain.pem", key: "rsa.key"))
        #expect(run.client == .done && run.server == .done)
        let cipher = run.pair.client.cipherName ?? ""
        #expect(cipher.hasPrefix("ECDHE-") || cipher.hasPrefix("DHE-"), "\(cipher)")
        #expect(cipher.contains("GCM") || cipher.contains("CHACHA20"), "\(cipher)")
    }
}
