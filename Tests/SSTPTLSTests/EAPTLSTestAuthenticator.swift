import CSSTPOpenSSL
import PPP

/// A test-only EAP-TLS authenticator (RFC 5216 §2.1, RFC 9190 §2.1): an
/// OpenSSL server over a BIO pair that asks for the peer's certificate,
/// with the server end of the EAP-TLS framing. `run` drives an
/// `EAPTLSPeer` to its end.
final class EAPTLSTestAuthenticator {
    enum Outcome {
        case succeeded(peer: EAPTLSKeys, server: [UInt8])
        case peerFailed(EAPTLSPeerFailure)
        case serverFailed
    }

    let ssl: OpaquePointer
    private let ctx: OpaquePointer
    private let outer: OpaquePointer
    private var framing: EAPTLSFraming
    private var buffer = [UInt8](repeating: 0, count: 65536)

    /// `version`: TLS1_2_VERSION or TLS1_3_VERSION; `clientCA`: the CA the
    /// peer's certificate must come from.
    init(pki: TestPKI, version: Int32, fragmentSize: Int, clientCA: String = "root.pem") throws {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSPair.Failure(description: "SSL_CTX_new")
        }
        self.ctx = ctx
        var inner: OpaquePointer?
        var outer: OpaquePointer?
        guard csstp_ssl_ctx_set_proto_versions(ctx, version, version) == 1,
            // A SHA-256 PRF suite, so the test can compute the TLS 1.2 PRF itself.
            SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256") == 1,
            SSL_CTX_use_certificate_chain_file(ctx, pki.path("sstp-chain.pem")) == 1,
            SSL_CTX_use_PrivateKey_file(ctx, pki.path("leaf.key"), SSL_FILETYPE_PEM) == 1,
            SSL_CTX_load_verify_file(ctx, pki.path(clientCA)) == 1,
            // RFC 9190 §2.1.2: no resumption here, so no tickets.
            SSL_CTX_set_num_tickets(ctx, 0) == 1,
            let ssl = SSL_new(ctx),
            BIO_new_bio_pair(&inner, 65536, &outer, 65536) == 1, let inner, let outer
        else {
            SSL_CTX_free(ctx)
            throw TLSPair.Failure(description: "EAP-TLS test server setup failed")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        SSL_set_bio(ssl, inner, inner)
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.outer = outer
        framing = EAPTLSFraming(type: 13, fragmentSize: fragmentSize)
    }

    deinit {
        SSL_free(ssl)
        BIO_free(outer)
        SSL_CTX_free(ctx)
    }

    /// How many EAP Requests the server sent.
    private(set) var requests = 0
    /// The largest Response the peer sent (Type onward).
    private(set) var largestResponse = 0

    func run<Engine>(_ peer: inout EAPTLSPeer<Engine>) -> Outcome {
        var identifier: UInt8 = 1
        var request: [UInt8] = [13, EAPTLSFlags.start.rawValue]
        var finishing = false
        for _ in 0..<500 {
            requests += 1
            let actions = peer.handle(.request(identifier: identifier, typeAndData: request))
            if let failure = Self.failure(actions) { return .peerFailed(failure) }
            guard let response = Self.response(actions) else { return .serverFailed }
            largestResponse = max(largestResponse, response.count)
            identifier &+= 1
            guard let event = try? framing.receive(response[...]) else { return .serverFailed }
            switch event {
            case .start: return .serverFailed
            case .acknowledge(let ack): request = ack
            case .sendNext(let next): request = next
            case .message(let bytes):
                if bytes.isEmpty, SSL_is_init_finished(ssl) == 1 || finishing {
                    return success(&peer)
                }
                guard let out = serverStep(bytes) else {
                    // RFC 5216 §2.1.3: the alert goes out, then EAP-Failure.
                    let alert = drain()
                    if !alert.isEmpty {
                        let actions = peer.handle(.request(identifier: identifier, typeAndData: framing.send(alert)))
                        if let failure = Self.failure(actions) { return .peerFailed(failure) }
                    }
                    let actions = peer.handle(.failure)
                    return Self.failure(actions).map { .peerFailed($0) } ?? .serverFailed
                }
                if out.isEmpty, SSL_is_init_finished(ssl) == 1 { return success(&peer) }
                finishing = SSL_is_init_finished(ssl) == 1
                request = framing.send(out)
            }
        }
        return .serverFailed
    }

    private func success<Engine>(_ peer: inout EAPTLSPeer<Engine>) -> Outcome {
        for action in peer.handle(.success) {
            switch action {
            case .succeeded(let keys): return .succeeded(peer: keys, server: serverKeyMaterial())
            case .failed(let failure): return .peerFailed(failure)
            default: continue
            }
        }
        return .serverFailed
    }

    /// Without EAP (PEAP's tunnel): feeds TLS bytes to the server's
    /// handshake and returns its answer, nil on failure.
    func exchange(_ bytes: [UInt8]) -> [UInt8]? { serverStep(bytes, commitment: false) }

    /// Encrypts application data as the server; the records.
    func write(_ bytes: [UInt8]) -> [UInt8] {
        _ = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        return drain()
    }

    /// Decrypts the client's records; the plaintext.
    func read(_ records: [UInt8]) -> [UInt8] {
        _ = records.withUnsafeBytes { BIO_write(outer, $0.baseAddress, Int32($0.count)) }
        var out: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { break }
            out += buffer[0..<Int(count)]
        }
        ERR_clear_error()
        return out
    }

    /// The server's close_notify.
    func close() -> [UInt8] {
        _ = SSL_shutdown(ssl)
        return drain()
    }

    /// Feeds a whole TLS message; the TLS bytes to send back, nil on failure.
    private func serverStep(_ bytes: [UInt8], commitment sendCommitment: Bool = true) -> [UInt8]? {
        _ = bytes.withUnsafeBytes { BIO_write(outer, $0.baseAddress, Int32($0.count)) }
        let wasFinished = SSL_is_init_finished(ssl) == 1
        let result = SSL_do_handshake(ssl)
        if result != 1 {
            let code = SSL_get_error(ssl, result)
            ERR_clear_error()
            guard code == SSL_ERROR_WANT_READ else { return nil }
        } else if sendCommitment, !wasFinished, SSL_version(ssl) == TLS1_3_VERSION {
            // RFC 9190 §2.1.1: the commitment message, one octet 0x00.
            var commitment: UInt8 = 0
            guard SSL_write(ssl, &commitment, 1) == 1 else { return nil }
        }
        return drain()
    }

    private func drain() -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { BIO_read(outer, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { break }
            out += buffer[0..<Int(count)]
        }
        return out
    }

    /// The server's Key_Material, by RFC 5216 §2.3 / RFC 9190 §2.3.
    func serverKeyMaterial() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 128)
        let tls13 = SSL_version(ssl) == TLS1_3_VERSION
        let label = tls13 ? EAPTLSKeys.tls13Label : EAPTLSKeys.tls12Label
        var context: [UInt8] = [13]
        let result = SSL_export_keying_material(
            ssl, &out, 128, label, label.utf8.count, &context, tls13 ? 1 : 0, tls13 ? 1 : 0)
        return result == 1 ? out : []
    }

    /// TLS 1.2 only: PRF-SHA256(master_secret, label, client_random ||
    /// server_random), 128 bytes, computed here with HMAC (RFC 5246 §5),
    /// not with OpenSSL's exporter.
    func independentTLS12KeyMaterial() -> [UInt8] {
        var master = [UInt8](repeating: 0, count: 48)
        var clientRandom = [UInt8](repeating: 0, count: 32)
        var serverRandom = [UInt8](repeating: 0, count: 32)
        let masterLength = SSL_SESSION_get_master_key(SSL_get_session(ssl), &master, 48)
        _ = SSL_get_client_random(ssl, &clientRandom, 32)
        _ = SSL_get_server_random(ssl, &serverRandom, 32)
        let seed = Array(EAPTLSKeys.tls12Label.utf8) + clientRandom + serverRandom
        return Self.pSHA256(secret: Array(master[0..<masterLength]), seed: seed, length: 128)
    }

    /// P_SHA256 of RFC 5246 §5.
    static func pSHA256(secret: [UInt8], seed: [UInt8], length: Int) -> [UInt8] {
        func hmac(_ data: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            var outLength: UInt32 = 0
            _ = HMAC(EVP_sha256(), secret, Int32(secret.count), data, data.count, &out, &outLength)
            return out
        }
        var output: [UInt8] = []
        var a = seed
        while output.count < length {
            a = hmac(a)
            output += hmac(a + seed)
        }
        return Array(output.prefix(length))
    }

    private static func failure(_ actions: [EAPTLSPeerAction]) -> EAPTLSPeerFailure? {
        for case .failed(let failure) in actions { return failure }
        return nil
    }

    private static func response(_ actions: [EAPTLSPeerAction]) -> [UInt8]? {
        for case .respond(_, let data) in actions { return data }
        return nil
    }
}
