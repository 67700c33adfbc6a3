import CSSTPOpenSSL
import PPP

/// A test-only EAP-TLS authenticator: a raw OpenSSL server over a memory
/// BIO pair that asks for and checks a client certificate (RFC 5216 §2.1.1),
/// behind the real EAP-TLS framing (`EAPTLSFraming`, server side). It drives
/// a client `EAPTLSPeer` to its end and reports both sides' key material.
final class EAPTLSTestServer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How one run ended.
    enum Outcome {
        /// EAP-Success: the client's keys and the server's own export.
        case succeeded(client: EAPTLSKeys, serverKeyMaterial: [UInt8])
        /// The client gave up.
        case clientFailed(EAPTLSPeerFailure)
        /// The server's TLS refused (the alert went to the client, then
        /// EAP-Failure); `client` is how the client took it.
        case serverRefused(client: EAPTLSPeerFailure?)
    }

    let ctx: OpaquePointer
    let ssl: OpaquePointer
    private let network: OpaquePointer
    private var framing: EAPTLSFraming
    /// How many Requests carried more than one fragment's worth (M set).
    private(set) var fragmentedRequests = 0
    private(set) var fragmentedResponses = 0

    init(pki: TestPKI, version: Int32, fragmentSize: Int = 1000, requireClientCertificate: Bool = true) throws {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw Failure(description: "SSL_CTX_new") }
        self.ctx = ctx
        guard csstp_ssl_ctx_set_proto_versions(ctx, version, version) == 1,
            SSL_CTX_use_certificate_chain_file(ctx, pki.path("sstp-chain.pem")) == 1,
            SSL_CTX_use_PrivateKey_file(ctx, pki.path("leaf.key"), SSL_FILETYPE_PEM) == 1,
            SSL_CTX_load_verify_file(ctx, pki.path("root.pem")) == 1,
            let ssl = SSL_new(ctx)
        else {
            SSL_CTX_free(ctx)
            throw Failure(description: "EAP-TLS test server setup failed")
        }
        self.ssl = ssl
        if requireClientCertificate {
            SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
        var internalBIO: OpaquePointer?
        var networkBIO: OpaquePointer?
        guard BIO_new_bio_pair(&internalBIO, 0, &networkBIO, 0) == 1, let internalBIO, let networkBIO else {
            SSL_free(ssl)
            SSL_CTX_free(ctx)
            throw Failure(description: "BIO_new_bio_pair")
        }
        SSL_set_bio(ssl, internalBIO, internalBIO)
        network = networkBIO
        SSL_set_accept_state(ssl)
        framing = EAPTLSFraming(type: 13, fragmentSize: fragmentSize)
    }

    deinit {
        BIO_free(network)
        SSL_free(ssl)
        SSL_CTX_free(ctx)
    }

    var negotiatedVersion: Int32 { SSL_version(ssl) }

    /// What the client under test answered one EAP packet with.
    enum Reply {
        case respond([UInt8])
        case succeeded(Any)
        case failed(Any)
    }

    /// Runs the whole method against `peer`.
    func run<Engine>(_ peer: inout EAPTLSPeer<Engine>) throws -> Outcome {
        let outcome = try run { event in
            peer.handle(event).compactMap { action -> Reply? in
                switch action {
                case .respond(_, let data): .respond(data)
                case .succeeded(let keys): .succeeded(keys)
                case .failed(let failure): .failed(failure)
                case .log: nil
                }
            }
        }
        switch outcome {
        case .succeeded(let keys as EAPTLSKeys, let material):
            return .succeeded(client: keys, serverKeyMaterial: material)
        case .clientFailed(let failure as EAPTLSPeerFailure): return .clientFailed(failure)
        case .serverRefused(let failure): return .serverRefused(client: failure as? EAPTLSPeerFailure)
        default: throw Failure(description: "unexpected \(outcome)")
        }
    }

    /// How a run with any client ended.
    enum AnyOutcome {
        case succeeded(Any, [UInt8])
        case clientFailed(Any)
        case serverRefused(Any?)
    }

    /// Runs the method against any client: `step` gets each EAP event
    /// (Request Type onward, Success, Failure) and returns the replies.
    func run(_ step: (EAPTLSPeerEvent) -> [Reply]) throws -> AnyOutcome {
        var identifier: UInt8 = 1
        var request = framing.startPacket()
        var handshakeDone = false
        var committed = false
        var refused = false
        for _ in 0..<200 {
            if request.count > 1, request[1] & 0x40 != 0 { fragmentedRequests += 1 }
            var response: [UInt8]?
            for reply in step(.request(identifier: identifier, typeAndData: request)) {
                switch reply {
                case .respond(let typeAndData): response = typeAndData
                case .failed(let failure): return refused ? .serverRefused(failure) : .clientFailed(failure)
                case .succeeded: break
                }
            }
            if refused {
                return .serverRefused(Self.failure(in: step(.failure)))
            }
            guard let response else { throw Failure(description: "the peer sent no Response") }
            if response.count > 1, response[1] & 0x40 != 0 { fragmentedResponses += 1 }
            identifier &+= 1
            switch try framing.receive(response[...]) {
            case .start: throw Failure(description: "Start from the peer")
            case .acknowledge(let ack): request = ack
            case .sendNext(let next): request = next
            case .message(let bytes):
                write(bytes)
                if !handshakeDone {
                    let result = SSL_do_handshake(ssl)
                    if result == 1 {
                        handshakeDone = true
                    } else if SSL_get_error(ssl, result) != SSL_ERROR_WANT_READ {
                        ERR_clear_error()
                        refused = true
                    }
                }
                // RFC 9190 §2.1.1: the TLS 1.3 server's commitment message.
                if handshakeDone, !committed, SSL_version(ssl) == TLS1_3_VERSION {
                    var zero: UInt8 = 0
                    guard SSL_write(ssl, &zero, 1) == 1 else { throw Failure(description: "commitment write") }
                    committed = true
                }
                let out = drain()
                if out.isEmpty && handshakeDone {
                    let replies = step(.success)
                    if let failure = Self.failure(in: replies) { return .clientFailed(failure) }
                    for case .succeeded(let keys) in replies {
                        return .succeeded(keys, try exportKeyMaterial())
                    }
                    throw Failure(description: "no keys after Success")
                }
                if out.isEmpty && !refused { throw Failure(description: "the server has nothing to send") }
                request = framing.send(out)
            }
        }
        throw Failure(description: "no end after 200 round trips")
    }

    /// Key_Material the server side computes: RFC 5216 §2.3 / RFC 9190 §2.3.
    func exportKeyMaterial() throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 128)
        let tls13 = SSL_version(ssl) == TLS1_3_VERSION
        let label = tls13 ? "EXPORTER_EAP_TLS_Key_Material" : "client EAP encryption"
        var context: [UInt8] = [13]
        let ok = SSL_export_keying_material(
            ssl, &out, out.count, label, label.utf8.count, &context, tls13 ? 1 : 0, tls13 ? 1 : 0)
        guard ok == 1 else { throw Failure(description: "server export failed") }
        return out
    }

    private static func failure(in replies: [Reply]) -> Any? {
        for case .failed(let failure) in replies { return failure }
        return nil
    }

    private func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        _ = bytes.withUnsafeBytes { BIO_write(network, $0.baseAddress, Int32($0.count)) }
    }

    private func drain() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while BIO_ctrl_pending(network) > 0 {
            let n = buffer.withUnsafeMutableBytes { BIO_read(network, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { break }
            out += buffer[0..<Int(n)]
        }
        return out
    }
}
