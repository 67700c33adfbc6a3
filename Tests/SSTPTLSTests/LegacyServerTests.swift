import CSSTPOpenSSL
import Glibc
import SSTPTLS
import Testing

/// A server that only speaks TLS 1.0, made directly with OpenSSL (our
/// server context cannot go below 1.2): the client reports the protocol
/// version error whether the server refuses our hello with an alert (it
/// sees supported_versions offering only 1.2 and 1.3) or answers with a
/// TLS 1.0 ServerHello that the client refuses itself (a TLS 1.2 hello has
/// no supported_versions, so the server picks 1.0 from legacy_version).
@Suite struct LegacyServerTests {
    /// An OpenSSL server limited to TLS 1.0 at security level 0.
    static func tls10Server(pki: TestPKI, socket: Int32) throws -> RawOpenSSLServer {
        try RawOpenSSLServer(
            socket: socket, version: TLS1_VERSION, ciphers: "DEFAULT:@SECLEVEL=0",
            chain: pki.path("sstp-chain.pem"), key: pki.path("leaf.key")
        ) { ctx in SSL_CTX_set_security_level(ctx, 0) }
    }

    @Test(arguments: [(TLSVersion.tls13, "alert"), (.tls12, "outside")])
    func serverThatOnlySpeaksTLS10IsRefused(clientMaximum: TLSVersion, detailWord: String) throws {
        signal(SIGPIPE, SIG_IGN)
        let fixture = try Fixture()
        let (clientSocket, serverSocket) = try TLSPair.socketPair()
        defer {
            close(clientSocket)
            close(serverSocket)
        }
        let server = try Self.tls10Server(pki: fixture.pki, socket: serverSocket)
        var configuration = fixture.client()
        configuration.maxVersion = clientMaximum
        // A TLS 1.2 hello with only the default (TLS 1.2 AEAD) suites gives
        // a TLS 1.0 server nothing to pick: it refuses with handshake_failure
        // (CipherSuiteTests); with the legacy list it can answer.
        configuration.legacyCipherSuites = clientMaximum == .tls12
        let client = try TLSClientContext(configuration).connect(socket: clientSocket)
        var clientError: TLSError?
        var serverState = 0
        for _ in 0..<1000 {
            do {
                if try client.handshake() == .done { break }
            } catch {
                clientError = error
                break
            }
            if serverState == 0 { serverState = server.step() }
        }
        // The server sent its alert and failed, or sent its ServerHello
        // and waits.
        #expect(serverState == (clientMaximum == .tls13 ? -1 : 0))
        guard case .protocolVersion(let minimum, let maximum, let detail) = clientError else {
            Issue.record("expected protocolVersion, got \(String(describing: clientError))")
            return
        }
        #expect(minimum == .tls12 && maximum == clientMaximum)
        #expect(detail.contains(detailWord))
        #expect(clientError?.description.contains("TLS 1.0 or 1.1 must be upgraded") == true)
    }
}
