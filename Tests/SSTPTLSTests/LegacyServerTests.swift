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
    /// An OpenSSL server SSL limited to TLS 1.0 at security level 0.
    final class TLS10Server {
        let ctx: OpaquePointer
        let ssl: OpaquePointer

        init(pki: TestPKI, socket: Int32) throws {
            guard let ctx = SSL_CTX_new(TLS_server_method()) else {
                throw TLSPair.Failure(description: "SSL_CTX_new")
            }
            self.ctx = ctx
            SSL_CTX_set_security_level(ctx, 0)
            guard csstp_ssl_ctx_set_proto_versions(ctx, TLS1_VERSION, TLS1_VERSION) == 1,
                SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") == 1,
                SSL_CTX_use_certificate_chain_file(ctx, pki.path("sstp-chain.pem")) == 1,
                SSL_CTX_use_PrivateKey_file(ctx, pki.path("leaf.key"), SSL_FILETYPE_PEM) == 1,
                let ssl = SSL_new(ctx)
            else {
                SSL_CTX_free(ctx)
                throw TLSPair.Failure(description: "TLS 1.0 server setup failed")
            }
            self.ssl = ssl
            SSL_set_fd(ssl, socket)
            SSL_set_accept_state(ssl)
        }

        deinit {
            SSL_free(ssl)
            SSL_CTX_free(ctx)
        }

        /// 1 when the handshake finished, 0 while it waits, -1 on failure.
        func step() -> Int {
            let result = SSL_do_handshake(ssl)
            if result == 1 { return 1 }
            let code = SSL_get_error(ssl, result)
            ERR_clear_error()
            return code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE ? 0 : -1
        }
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
        let server = try TLS10Server(pki: fixture.pki, socket: serverSocket)
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
