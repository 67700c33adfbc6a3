import CSSTPOpenSSL
import Foundation
import PPP
import SSTPTLS
import Testing

/// The OpenSSL EAP-TLS engine under the real EAPTLSPeer, against an
/// OpenSSL EAP-TLS authenticator in memory (EAPTLSTestServer).
@Suite struct EAPTLSEngineTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.get()
    }

    /// The client configuration that should succeed: the test root, the
    /// server's name, the clientAuth leaf.
    func good() -> EAPTLSClientConfiguration {
        EAPTLSClientConfiguration(
            caFile: pki.path("root.pem"), serverName: "sstp.test",
            identity: .pem(certificateFile: pki.path("clientauth-chain.pem"), keyFile: pki.path("leaf.key")))
    }

    func run(
        _ configuration: EAPTLSClientConfiguration, version: Int32, clientFragment: Int = 1000,
        serverFragment: Int = 1000
    ) throws -> (EAPTLSTestServer.Outcome, EAPTLSTestServer) {
        let engine = try EAPTLSClientContext(configuration).makeEngine()
        var peer = EAPTLSPeer(engine: engine, fragmentSize: clientFragment)
        let server = try EAPTLSTestServer(pki: pki, version: version, fragmentSize: serverFragment)
        return (try server.run(&peer), server)
    }

    @Test(arguments: [TLS1_2_VERSION, TLS1_3_VERSION])
    func bothSidesDeriveTheSameMSK(version: Int32) throws {
        let (outcome, server) = try run(good(), version: version)
        guard case .succeeded(let keys, let material) = outcome else {
            Issue.record("not authenticated: \(outcome)")
            return
        }
        #expect(server.negotiatedVersion == version)
        #expect(keys.version == (version == TLS1_3_VERSION ? .tls13 : .tls12OrEarlier))
        #expect(keys.msk == Array(material[0..<64]))
        #expect(keys.emsk == Array(material[64..<128]))
        #expect(keys.msk != [UInt8](repeating: 0, count: 64))
    }

    /// RFC 5216 §2.3: Key_Material = TLS-PRF-128(master_secret, "client EAP
    /// encryption", client.random || server.random), computed here by hand
    /// (RFC 5246 §5 P_hash with the suite's PRF hash) from the server's
    /// master secret and randoms, against what the client's exporter gave.
    @Test func tls12KeyMaterialIsThePRFOverTheRandoms() throws {
        let (outcome, server) = try run(good(), version: TLS1_2_VERSION)
        guard case .succeeded(let keys, _) = outcome else {
            Issue.record("not authenticated: \(outcome)")
            return
        }
        let ssl = server.ssl
        var clientRandom = [UInt8](repeating: 0, count: 32)
        var serverRandom = [UInt8](repeating: 0, count: 32)
        var master = [UInt8](repeating: 0, count: 48)
        #expect(SSL_get_client_random(ssl, &clientRandom, 32) == 32)
        #expect(SSL_get_server_random(ssl, &serverRandom, 32) == 32)
        #expect(SSL_SESSION_get_master_key(SSL_get_session(ssl), &master, 48) == 48)
        let md = try #require(SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl)))
        let seed = Array("client EAP encryption".utf8) + clientRandom + serverRandom
        let expected = Self.pHash(md: md, secret: master, seed: seed, length: 128)
        #expect(keys.msk + keys.emsk == expected)
    }

    /// RFC 5246 §5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) || ...
    static func pHash(md: OpaquePointer, secret: [UInt8], seed: [UInt8], length: Int) -> [UInt8] {
        func hmac(_ data: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 64)
            var count: UInt32 = 0
            _ = HMAC(md, secret, Int32(secret.count), data, data.count, &out, &count)
            return Array(out[0..<Int(count)])
        }
        var result: [UInt8] = []
        var a = seed
        while result.count < length {
            a = hmac(a)
            result += hmac(a + seed)
        }
        return Array(result.prefix(length))
    }

    @Test(arguments: [TLS1_2_VERSION, TLS1_3_VERSION])
    func fragmentsBothWays(version: Int32) throws {
        let (outcome, server) = try run(good(), version: version, clientFragment: 150, serverFragment: 200)
        guard case .succeeded(let keys, let material) = outcome else {
            Issue.record("not authenticated: \(outcome)")
            return
        }
        #expect(keys.msk == Array(material[0..<64]))
        #expect(server.fragmentedRequests > 1)
        #expect(server.fragmentedResponses > 1)
    }

    @Test(arguments: [TLS1_2_VERSION, TLS1_3_VERSION])
    func wrongCAIsAnUntrustedServer(version: Int32) throws {
        var configuration = good()
        configuration.caFile = pki.path("other-root.pem")
        let (outcome, _) = try run(configuration, version: version)
        guard case .clientFailed(.tls(let failure)) = outcome else {
            Issue.record("expected a client TLS failure: \(outcome)")
            return
        }
        #expect(failure.kind == .serverCertificateUntrusted)
        #expect(!failure.alert.isEmpty)
    }

    @Test func wrongNameIsAnUntrustedServer() throws {
        var configuration = good()
        configuration.serverName = "other.test"
        let (outcome, _) = try run(configuration, version: TLS1_3_VERSION)
        guard case .clientFailed(.tls(let failure)) = outcome else {
            Issue.record("expected a client TLS failure: \(outcome)")
            return
        }
        #expect(failure.kind == .serverCertificateUntrusted)
        #expect(failure.detail.contains("other.test"))
    }

    /// A client certificate from a CA the server does not trust: the
    /// server's alert shows as our certificate refused.
    @Test func serverRefusesOurCertificate() throws {
        var configuration = good()
        configuration.identity = .pem(
            certificateFile: pki.path("other-leaf-chain.pem"), keyFile: pki.path("leaf.key"))
        let (outcome, _) = try run(configuration, version: TLS1_2_VERSION)
        guard case .serverRefused(.some(.tls(let failure))) = outcome else {
            Issue.record("expected the server's refusal to reach the client: \(outcome)")
            return
        }
        #expect(failure.kind == .clientCertificateRejected)
    }

    /// An encrypted PKCS#8 key and a PKCS#12 bundle, made with the openssl CLI.
    func encryptedFiles() throws -> (key: String, p12: String) {
        let tag = UUID().uuidString
        let key = "enc-\(tag).key"
        let p12 = "bundle-\(tag).p12"
        _ = try pki.shell(
            "printf 'sesame' > pass-\(tag) && openssl pkcs8 -topk8 -in leaf.key -out \(key) -passout file:pass-\(tag)"
                + " && openssl pkcs12 -export -in clientauth.pem -inkey leaf.key -certfile int.pem -out \(p12)"
                + " -passout file:pass-\(tag) && rm pass-\(tag)")
        return (pki.path(key), pki.path(p12))
    }

    func identityProblem(_ configuration: EAPTLSClientConfiguration) -> ClientIdentityProblem? {
        do {
            _ = try EAPTLSClientContext(configuration)
            return nil
        } catch {
            if case .clientIdentityError(_, let problem) = error { return problem }
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func encryptedPEMKeyNeedsTheRightPassphrase() throws {
        let files = try encryptedFiles()
        var configuration = good()
        configuration.identity = .pem(certificateFile: pki.path("clientauth-chain.pem"), keyFile: files.key)
        #expect(identityProblem(configuration) == .passphraseRequired)
        configuration.keyPassphrase = Array("wrong".utf8)
        #expect(identityProblem(configuration) == .wrongPassphrase)
        configuration.keyPassphrase = Array("sesame".utf8)
        let (outcome, _) = try run(configuration, version: TLS1_3_VERSION)
        guard case .succeeded = outcome else {
            Issue.record("not authenticated: \(outcome)")
            return
        }
        #expect(!configuration.description.contains("sesame"))
    }

    @Test func encryptedPKCS12() throws {
        let files = try encryptedFiles()
        var configuration = good()
        configuration.identity = .pkcs12(file: files.p12)
        configuration.keyPassphrase = Array("wrong".utf8)
        #expect(identityProblem(configuration) == .wrongPassphrase)
        configuration.keyPassphrase = Array("sesame".utf8)
        let (outcome, _) = try run(configuration, version: TLS1_2_VERSION)
        guard case .succeeded(let keys, let material) = outcome else {
            Issue.record("not authenticated: \(outcome)")
            return
        }
        #expect(keys.msk == Array(material[0..<64]))
    }
}
