import Glibc
import SSTPTLS
import Testing

/// The server re-keys in the middle of a bulk transfer both ways: a TLS 1.2
/// renegotiation (RFC 5746) or a TLS 1.3 KeyUpdate (RFC 8446 §4.6.3). Data
/// keeps flowing and arrives intact; a renegotiation that fails says so.
@Suite struct RenegotiationTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    static let handshakeRecord: UInt8 = 22
    /// A TLS 1.3 KeyUpdate record: 4-byte header + 1-byte request, inner
    /// content type, 16-byte AEAD tag.
    static let keyUpdateRecordLength = 22

    func established(_ version: TLSVersion, server: TLSServerContext? = nil) throws -> Fixture.Run {
        var configuration = fixture.client()
        configuration.maxVersion = version
        let run = try fixture.handshake(configuration, server: server ?? fixture.server())
        #expect(run.client == .done && run.server == .done)
        #expect(run.pair.client.negotiatedVersion == version)
        return run
    }

    /// Fast relay, and a slow one that fills the sockets so writes block
    /// (a renegotiation then meets a half-written record on either side).
    @Test(arguments: [(16384, Int.max), (40_000, Int.max), (16384, 3000), (40_000, 5000)])
    func serverRenegotiatesDuringBulkTransferBothWays(chunk: Int, bytesPerStep: Int) throws {
        let run = try established(.tls12)
        run.pair.throttle(bytesPerStep: bytesPerStep)
        let handshakeRecordsBefore = run.pair.toServer.records.count
        let up = TLSPair.pattern(3 << 20, seed: 11)
        let down = TLSPair.pattern(3 << 20, seed: 12)
        let result = run.pair.exchange(up: up, down: down, chunk: chunk, rekeyEvery: 512 * 1024)
        #expect(result.clientError == nil, "client: \(String(describing: result.clientError))")
        #expect(result.serverError == nil, "server: \(String(describing: result.serverError))")
        #expect(result.rekeys >= 3)
        // Bool results: a failed comparison of megabytes would make the
        // test library compute a diff for minutes.
        let intact = (up: result.toServer == up, down: result.toClient == down)
        #expect(result.toServer.count == up.count && intact.up)
        #expect(result.toClient.count == down.count && intact.down)
        // Each renegotiation shows as handshake records in both directions,
        // between the application data (TLS 1.2 keeps the record type).
        let clientHandshakes = run.pair.toServer.records.dropFirst(handshakeRecordsBefore)
            .filter { $0.type == Self.handshakeRecord }
        #expect(clientHandshakes.count >= result.rekeys)
        #expect(run.pair.client.renegotiations == result.rekeys)
        #expect(!run.pair.client.renegotiationPending)
        #expect(run.pair.client.peerCertificateDER != nil)
    }

    /// TLS 1.3 re-keys with KeyUpdate instead; the client answers with its
    /// own KeyUpdate (update_requested).
    @Test(arguments: [Int.max, 3000, 1000])
    func serverKeyUpdateDuringBulkTransferBothWays(bytesPerStep: Int) throws {
        let run = try established(.tls13)
        run.pair.throttle(bytesPerStep: bytesPerStep)
        let before = run.pair.toServer.records.count
        let up = TLSPair.pattern(3 << 20, seed: 13)
        let down = TLSPair.pattern(3 << 20, seed: 14)
        let result = run.pair.exchange(up: up, down: down, chunk: 16384, rekeyEvery: 512 * 1024)
        #expect(result.clientError == nil, "client: \(String(describing: result.clientError))")
        #expect(result.serverError == nil, "server: \(String(describing: result.serverError))")
        #expect(result.rekeys >= 3)
        let intact = (up: result.toServer == up, down: result.toClient == down)
        #expect(result.toServer.count == up.count && intact.up)
        #expect(result.toClient.count == down.count && intact.down)
        let answers = run.pair.toServer.records.dropFirst(before)
            .filter { $0.length == Self.keyUpdateRecordLength }
        #expect(answers.count == result.rekeys)
        #expect(run.pair.client.renegotiations == 0)
    }

    /// The certificate the client verified (and the crypto binding hashes)
    /// must stay the server's: a renegotiation that presents another one,
    /// even one that verifies, is refused by name.
    @Test func renegotiationWithAnotherCertificateIsRefused() throws {
        let run = try established(.tls12)
        try run.pair.server.replaceIdentity(
            certificateChainFile: fixture.pki.path("anyeku-chain.pem"), privateKeyFile: fixture.pki.path("leaf.key"))
        let result = run.pair.exchange(
            up: TLSPair.pattern(1 << 20, seed: 15), down: TLSPair.pattern(1 << 20, seed: 16), chunk: 16384,
            rekeyEvery: 100_000)
        guard case .renegotiationFailed(.certificateChanged(let first, let presented)) = result.clientError else {
            Issue.record(
                "expected renegotiationFailed(certificateChanged), got \(String(describing: result.clientError))")
            return
        }
        #expect(first.contains("sstp.test") && presented.contains("sstp.test"))
        let pins = try (
            TLSPin.certificate(der: fixture.server().localCertificateDER),
            TLSPin.certificate(der: fixture.server("anyeku-chain.pem").localCertificateDER)
        )
        #expect(first.contains(pins.0.description) && presented.contains(pins.1.description))
        let text = try #require(result.clientError).description
        #expect(text.hasPrefix("the server's TLS renegotiation failed: "))
        #expect(text.contains("different certificate"))
    }

    /// A server without RFC 5746 could be made to splice an attacker's
    /// prefix into the session by renegotiating (RFC 5746 §1): it is refused
    /// at connect, by name. The relay hides the client's signal of RFC 5746
    /// support (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, RFC 5746 §3.3, in the
    /// first ClientHello) from the server by turning it into a GREASE value
    /// (RFC 8701), so the server answers as one without RFC 5746 would.
    @Test func serverWithoutSecureRenegotiationIsRefused() throws {
        var configuration = fixture.client()
        configuration.maxVersion = .tls12
        let pair = try TLSPair(client: TLSClientContext(configuration), server: fixture.server())
        var hidden = false
        pair.rewriteToServer { bytes in
            guard !hidden, let at = Self.scsvOffset(inClientHelloRecord: bytes) else { return }
            bytes[at] = 0x0a
            bytes[at + 1] = 0x0a
            hidden = true
        }
        let (client, _) = pair.handshake()
        #expect(hidden)
        #expect(client == .failed(.secureRenegotiationUnsupported))
        #expect(client.error?.description.contains("RFC 5746") == true)
    }

    /// Where the SCSV 0x00FF sits in a record holding a ClientHello: record
    /// header (5), handshake header (4), legacy_version (2), random (32),
    /// session id (1 + n), cipher suites (2 + list).
    static func scsvOffset(inClientHelloRecord bytes: [UInt8]) -> Int? {
        guard bytes.count > 44, bytes[0] == handshakeRecord, bytes[5] == 1 else { return nil }
        let sessionIDLength = Int(bytes[43])
        let suitesAt = 44 + sessionIDLength
        guard bytes.count >= suitesAt + 2 else { return nil }
        let suitesLength = Int(bytes[suitesAt]) << 8 | Int(bytes[suitesAt + 1])
        guard bytes.count >= suitesAt + 2 + suitesLength else { return nil }
        for at in stride(from: suitesAt + 2, to: suitesAt + 2 + suitesLength, by: 2)
        where bytes[at] == 0x00 && bytes[at + 1] == 0xff {
            return at
        }
        return nil
    }
}

extension TLSPair {
    struct Exchange {
        var toServer: [UInt8] = []
        var toClient: [UInt8] = []
        var clientError: TLSError?
        var serverError: TLSError?
        var rekeys = 0
    }

    /// Sends `up` from the client and `down` from the server at the same
    /// time, in writes of at most `chunk` bytes (a write that wants to be
    /// retried is retried with the same bytes). Each time the server has
    /// sent another `rekeyEvery` bytes (and has more to send) it re-keys (`TLSConnection.rekey`),
    /// unless a renegotiation is still pending (on a throttled link: right
    /// after a write that blocked). Stops when everything
    /// arrived, a side failed, or the steps ran out.
    func exchange(up: [UInt8], down: [UInt8], chunk: Int, rekeyEvery: Int) -> Exchange {
        var result = Exchange()
        var upSent = 0
        var downSent = 0
        var nextRekey = rekeyEvery
        let throttled = toClient.bytesPerStep != Int.max
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }

        /// Whether the write went through.
        @discardableResult
        func write(_ connection: TLSConnection, _ data: [UInt8], _ sent: inout Int) throws -> Bool {
            guard sent < data.count else { return true }
            let end = min(sent + chunk, data.count)
            let outcome = try data[sent..<end].withUnsafeBytes { try connection.write($0) }
            guard case .bytes(let n) = outcome else { return false }
            sent += n
            return true
        }
        func read(_ connection: TLSConnection, into received: inout [UInt8]) throws {
            while true {
                switch try connection.read(into: buffer) {
                case .bytes(let n): received.append(contentsOf: buffer[0..<n])
                case .wantRead, .wantWrite: return
                case .closed: throw TLSError.peerClosed(duringHandshake: false)
                }
            }
        }

        for _ in 0..<Self.stepLimit * 10 {
            if result.clientError == nil {
                do {
                    try write(client, up, &upSent)
                    try read(client, into: &result.toClient)
                } catch {
                    result.clientError = Self.tlsError(error)
                    cutClientSocket()
                }
            }
            relay()
            if result.serverError == nil {
                do {
                    let wrote = try write(server, down, &downSent)
                    // When the server's socket is full (`throttle`), right
                    // after a write that left a record half sent in
                    // OpenSSL's buffer.
                    if downSent >= nextRekey, downSent < down.count, !server.renegotiationPending,
                        !wrote || !throttled
                    {
                        _ = try server.rekey()
                        result.rekeys += 1
                        nextRekey = downSent + rekeyEvery
                    }
                    try read(server, into: &result.toServer)
                } catch {
                    result.serverError = Self.tlsError(error)
                    cutServerSocket()
                }
            }
            relay()
            let complete = result.toServer.count >= up.count && result.toClient.count >= down.count
            if complete || (result.clientError != nil && result.serverError != nil) { break }
            if result.clientError != nil || result.serverError != nil {
                // Let the other side see the alert and the end of the stream.
                continue
            }
        }
        // Let the last answers (a KeyUpdate, a Finished) arrive.
        for _ in 0..<50 {
            relay()
            if result.clientError == nil { try? read(client, into: &result.toClient) }
            if result.serverError == nil { try? read(server, into: &result.toServer) }
        }
        return result
    }

    static func tlsError(_ error: any Error) -> TLSError {
        error as? TLSError ?? .openSSLFailure(call: "test", detail: "\(error)")
    }
}
