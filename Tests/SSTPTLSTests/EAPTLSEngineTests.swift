import CSSTPOpenSSL
import PPP
import SSTPTLS
import Testing

/// The EAP-TLS peer over the OpenSSL engine against an OpenSSL EAP-TLS
/// authenticator, all in memory.
@Suite struct EAPTLSEngineTests {
    static let tls12 = Int32(TLS1_2_VERSION)
    static let tls13 = Int32(TLS1_3_VERSION)

    func configuration(_ pki: TestPKI, ca: String = "root.pem", name: String? = "sstp.test")
        -> EAPTLSClientConfiguration
    {
        EAPTLSClientConfiguration(
            caFile: pki.path(ca), serverName: name,
            identity: .pem(certificateFile: pki.path("clientauth-chain.pem"), keyFile: pki.path("leaf.key")))
    }

    func run(
        _ configuration: EAPTLSClientConfiguration, version: Int32, serverFragment: Int = 1000,
        peerFragment: Int = 1000, clientCA: String = "root.pem"
    ) throws -> (EAPTLSTestAuthenticator.Outcome, EAPTLSTestAuthenticator) {
        let pki = try TestPKI.get()
        let engine = try EAPTLSClientContext(configuration).makeEngine()
        var peer = EAPTLSPeer(engine: engine, fragmentSize: peerFragment)
        let server = try EAPTLSTestAuthenticator(
            pki: pki, version: version, fragmentSize: serverFragment, clientCA: clientCA)
        return (server.run(&peer), server)
    }

    func engineFailure(_ outcome: EAPTLSTestAuthenticator.Outcome) -> EAPTLSEngineFailure? {
        guard case .peerFailed(.tls(let failure)) = outcome else { return nil }
        return failure
    }

    @Test(arguments: [tls12, tls13])
    func keysAgreeFragmentedBothWays(version: Int32) throws {
        let pki = try TestPKI.get()
        // Small fragments: every flight of both sides is split (RFC 5216 §2.1.5).
        let (outcome, server) = try run(configuration(pki), version: version, serverFragment: 200, peerFragment: 150)
        guard case .succeeded(let keys, let serverMaterial) = outcome else {
            Issue.record("EAP-TLS failed: \(outcome)")
            return
        }
        #expect(keys.version == (version == Self.tls13 ? .tls13 : .tls12OrEarlier))
        #expect(serverMaterial.count == 128)
        #expect(keys.msk == Array(serverMaterial[0..<64]))
        #expect(keys.emsk == Array(serverMaterial[64..<128]))
        #expect(Set(keys.msk).count > 8)
        #expect(server.largestResponse <= 150 + 6)
        #expect(server.requests > 6)
        if version == Self.tls12 {
            // RFC 5216 §2.3: PRF(master_secret, "client EAP encryption",
            // client.random || server.random), computed apart from OpenSSL's
            // exporter, is what SSL_export_keying_material with no context gives.
            let independent = server.independentTLS12KeyMaterial()
            #expect(keys.msk + keys.emsk == independent)
        }
    }

    @Test func prfMatchesRFC5246Vector() {
        // The P_SHA256 test vector in wide use for TLS 1.2 implementations
        // (secret, "test label" + seed, 100 bytes; `openssl kdf TLS1-PRF` gives
        // the same): first and last octets.
        let secret: [UInt8] = [
            0x9b, 0xbe, 0x43, 0x6b, 0xa9, 0x40, 0xf0, 0x17, 0xb1, 0x76, 0x52, 0x84, 0x9a, 0x71, 0xdb, 0x35,
        ]
        let seed: [UInt8] =
            Array("test label".utf8) + [
                0xa0, 0xba, 0x9f, 0x93, 0x6c, 0xda, 0x31, 0x18, 0x27, 0xa6, 0xf7, 0x96, 0xff, 0xd5, 0x19, 0x8c,
            ]
        let out = EAPTLSTestAuthenticator.pSHA256(secret: secret, seed: seed, length: 100)
        #expect(Array(out.prefix(4)) == [0xe3, 0xf2, 0x29, 0xba])
        #expect(Array(out.suffix(4)) == [0x87, 0x34, 0x7b, 0x66])
    }

    @Test(arguments: [tls12, tls13])
    func wrongCAIsUntrusted(version: Int32) throws {
        let pki = try TestPKI.get()
        let (outcome, _) = try run(configuration(pki, ca: "other-root.pem"), version: version)
        #expect(engineFailure(outcome)?.kind == .serverCertificateUntrusted)
        // RFC 5216 §2.1.3: the peer sends its alert before giving up.
        #expect(engineFailure(outcome)?.alert.isEmpty == false)
    }

    @Test(arguments: [tls12, tls13])
    func wrongNameIsUntrusted(version: Int32) throws {
        let pki = try TestPKI.get()
        let (outcome, _) = try run(configuration(pki, name: "radius.other.test"), version: version)
        let failure = engineFailure(outcome)
        #expect(failure?.kind == .serverCertificateUntrusted)
        #expect(failure?.detail.contains("radius.other.test") == true)
    }

    /// Without an expected name only the chain is checked (NM-sstp with no
    /// tls-remotename).
    @Test func noExpectedNameChecksTheChainOnly() throws {
        let pki = try TestPKI.get()
        let (trusted, _) = try run(configuration(pki, name: nil), version: Self.tls13)
        guard case .succeeded = trusted else {
            Issue.record("EAP-TLS without an expected name failed: \(trusted)")
            return
        }
        let (untrusted, _) = try run(configuration(pki, ca: "other-root.pem", name: nil), version: Self.tls13)
        #expect(engineFailure(untrusted)?.kind == .serverCertificateUntrusted)
    }

    /// tls-verify-method against the test server's certificate
    /// (CN=sstp.test, issued by the intermediate, EKU serverAuth).
    @Test(arguments: [
        ("name", "sstp.test", true), ("name", "other.test", false), ("subject", "/CN=sstp.test", true),
        ("subject", "CN=sstp.test", false), ("suffix", "test", true), ("suffix", ".test", true),
        ("suffix", "p.test", false), ("none", "anything", true),
    ])
    func verifyMethod(method: String, name: String, passes: Bool) throws {
        let pki = try TestPKI.get()
        var config = configuration(pki, name: name)
        config.verifyMethod = method
        let (outcome, _) = try run(config, version: Self.tls13)
        if passes {
            guard case .succeeded = outcome else {
                Issue.record("\(method) \(name) failed: \(outcome)")
                return
            }
        } else {
            let failure = engineFailure(outcome)
            #expect(failure?.kind == .serverCertificateUntrusted)
            #expect(failure?.detail.contains("verify method \(method)") == true, "\(String(describing: failure))")
            #expect(failure?.detail.contains(method == "subject" ? "/CN=sstp.test" : "\"sstp.test\"") == true)
        }
    }

    @Test func keyUsageCheckPassesAServerAuthCertificate() throws {
        let pki = try TestPKI.get()
        var config = configuration(pki)
        config.requireServerAuthUsage = true
        let (outcome, _) = try run(config, version: Self.tls12)
        guard case .succeeded = outcome else {
            Issue.record("serverAuth certificate failed the key usage check: \(outcome)")
            return
        }
    }

    /// A CRL of the intermediate, made with the openssl CLI: empty, then
    /// with the server's certificate revoked.
    func crl(_ pki: TestPKI, revokingServer: Bool) throws -> String {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let dir = "crl-\(tag)"
        _ = try pki.shell(
            "mkdir \(dir) && touch \(dir)/index.txt && echo 01 > \(dir)/crlnumber && "
                + "printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=\(dir)/index.txt\\ncrlnumber=\(dir)/crlnumber\\n"
                + "default_md=sha256\\ndefault_crl_days=30\\n' > \(dir)/ca.cnf && "
                + (revokingServer
                    ? "openssl ca -config \(dir)/ca.cnf -cert int.pem -keyfile int.key -revoke sstp.pem 2>/dev/null && "
                    : "")
                + "openssl ca -config \(dir)/ca.cnf -cert int.pem -keyfile int.key -gencrl -out \(dir)/int.crl "
                + "2>/dev/null")
        return pki.path("\(dir)/int.crl")
    }

    @Test func crlRefusesARevokedServerCertificate() throws {
        let pki = try TestPKI.get()
        var config = configuration(pki)
        config.crlFile = try crl(pki, revokingServer: false)
        let (clean, _) = try run(config, version: Self.tls13)
        guard case .succeeded = clean else {
            Issue.record("a CRL that revokes nothing refused the server: \(clean)")
            return
        }
        config.crlFile = try crl(pki, revokingServer: true)
        let (revoked, _) = try run(config, version: Self.tls13)
        let failure = engineFailure(revoked)
        #expect(failure?.kind == .serverCertificateUntrusted)
        #expect(failure?.detail.contains("revoked") == true, "\(String(describing: failure))")
    }

    @Test func unreadableCRLIsItsOwnError() throws {
        let pki = try TestPKI.get()
        var config = configuration(pki)
        config.crlFile = pki.path("root.pem")
        #expect {
            _ = try EAPTLSClientContext(config)
        } throws: { error in
            guard case .crlFileError(let path, _) = error as? TLSError else { return false }
            return path == pki.path("root.pem")
        }
    }

    /// With no identity configured, EAP-TLS names itself after the
    /// certificate: its emailAddress, else its common name.
    @Test func certificateIdentityIsTheCommonName() throws {
        let pki = try TestPKI.get()
        #expect(try EAPTLSClientContext(configuration(pki)).certificateIdentity == "sstp.test")
        #expect(
            try EAPTLSClientContext(EAPTLSClientConfiguration(caFile: pki.path("root.pem"))).certificateIdentity == nil)
    }

    @Test(arguments: [tls12, tls13])
    func clientCertificateRefusedByServer(version: Int32) throws {
        let pki = try TestPKI.get()
        let (outcome, _) = try run(configuration(pki), version: version, clientCA: "other-root.pem")
        #expect(engineFailure(outcome)?.kind == .clientCertificateRejected)
    }

    /// An encrypted copy of leaf.key (PKCS#8, AES-256) and a PKCS#12 bundle
    /// with the passphrase in a file; made with the openssl CLI.
    func encryptedIdentity(_ pki: TestPKI, passphrase: String) throws -> (key: String, p12: String) {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        _ = try pki.shell(
            "umask 077; printf %s '\(passphrase)' > pass-\(tag) && "
                + "openssl pkcs8 -topk8 -v2 aes-256-cbc -in leaf.key -out enc-\(tag).key -passout file:pass-\(tag) && "
                + "openssl pkcs12 -export -in clientauth.pem -inkey leaf.key -certfile int.pem "
                + "-out id-\(tag).p12 -passout file:pass-\(tag) && rm pass-\(tag)")
        return (pki.path("enc-\(tag).key"), pki.path("id-\(tag).p12"))
    }

    func identityProblem(_ configuration: EAPTLSClientConfiguration) -> ClientIdentityProblem? {
        do {
            _ = try EAPTLSClientContext(configuration)
            return nil
        } catch {
            guard case .clientIdentityError(_, let problem) = error else { return nil }
            return problem
        }
    }

    @Test func encryptedPEMKey() throws {
        let pki = try TestPKI.get()
        let files = try encryptedIdentity(pki, passphrase: "s3cret pass")
        var config = configuration(pki)
        config.identity = .pem(certificateFile: pki.path("clientauth-chain.pem"), keyFile: files.key)
        #expect(identityProblem(config) == .passphraseRequired)
        config.keyPassphrase = Array("wrong".utf8)
        #expect(identityProblem(config) == .wrongPassphrase)
        config.keyPassphrase = Array("s3cret pass".utf8)
        let (outcome, _) = try run(config, version: Self.tls13)
        guard case .succeeded = outcome else {
            Issue.record("EAP-TLS with the decrypted key failed: \(outcome)")
            return
        }
        #expect(!config.description.contains("s3cret"))
    }

    @Test(arguments: [tls12, tls13])
    func encryptedPKCS12(version: Int32) throws {
        let pki = try TestPKI.get()
        let files = try encryptedIdentity(pki, passphrase: "p12-pass")
        var config = configuration(pki)
        config.identity = .pkcs12(file: files.p12)
        #expect(identityProblem(config) == .passphraseRequired)
        config.keyPassphrase = Array("p12-wrong".utf8)
        #expect(identityProblem(config) == .wrongPassphrase)
        config.keyPassphrase = Array("p12-pass".utf8)
        #expect(try EAPTLSClientContext(config).configuration.keyPassphrase == nil)
        let (outcome, _) = try run(config, version: version)
        guard case .succeeded(let keys, let serverMaterial) = outcome else {
            Issue.record("EAP-TLS with the PKCS#12 identity failed: \(outcome)")
            return
        }
        #expect(keys.msk == Array(serverMaterial.prefix(64)))
    }

    @Test func unreadableKeyFile() throws {
        let pki = try TestPKI.get()
        var config = configuration(pki)
        config.identity = .pem(certificateFile: pki.path("clientauth-chain.pem"), keyFile: pki.path("root.pem"))
        guard case .unreadable = identityProblem(config) else {
            Issue.record("a certificate given as the key was not reported as unreadable")
            return
        }
    }
}
