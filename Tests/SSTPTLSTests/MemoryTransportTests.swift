import SSTPTLS
import Testing

/// TLS over a BIO pair: a client and a server joined only by moving
/// ciphertext between them, as TLS inside PPP (EAP-TLS, PEAP) will be.
@Suite struct MemoryTransportTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    /// Moves every waiting record each way; returns the bytes moved.
    @discardableResult
    static func shuttle(_ a: TLSConnection, _ b: TLSConnection) -> Int {
        var moved = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        for (from, to) in [(a, b), (b, a)] {
            while true {
                let n = buffer.withUnsafeMutableBytes { from.drainCiphertext(into: $0) }
                guard n > 0 else { break }
                let taken = buffer.withUnsafeBytes { to.feedCiphertext(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                #expect(taken == n)
                moved += n
            }
        }
        return moved
    }

    static func handshake(_ client: TLSConnection, _ server: TLSConnection) throws -> Bool {
        for _ in 0..<20 {
            let c = try client.handshake()
            let s = try server.handshake()
            let moved = shuttle(client, server)
            if c == .done, s == .done, moved == 0 { return true }
        }
        return false
    }

    @Test func handshakeAndDataOverMemory() throws {
        let client = try TLSClientContext(fixture.client()).connectInMemory()
        let server = try fixture.server().acceptInMemory()
        #expect(client.isInMemory && server.isInMemory)
        #expect(try Self.handshake(client, server))
        #expect(client.negotiatedVersion == .tls13)
        #expect(client.peerCertificateDER != nil)

        let message = Array("SSTP over memory".utf8)
        #expect(try message.withUnsafeBytes { try client.write($0) } == .bytes(message.count))
        #expect(client.pendingCiphertext > message.count)
        Self.shuttle(client, server)
        var buffer = [UInt8](repeating: 0, count: 64)
        let result = try buffer.withUnsafeMutableBytes { try server.read(into: $0) }
        #expect(result == .bytes(message.count))
        #expect(Array(buffer[0..<message.count]) == message)
        // Nothing more: the server waits for ciphertext.
        #expect(try buffer.withUnsafeMutableBytes { try server.read(into: $0) } == .wantRead)
    }

    @Test func theCertificateIsCheckedOverMemoryToo() throws {
        let client = try TLSClientContext(fixture.client("other.test")).connectInMemory()
        let server = try fixture.server().acceptInMemory()
        #expect(throws: TLSError.self) { _ = try Self.handshake(client, server) }
    }

    @Test func aSocketConnectionHasNoMemoryEnd() throws {
        let client = try TLSClientContext(fixture.client()).connect(socket: -1)
        #expect(!client.isInMemory)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(buffer.withUnsafeMutableBytes { client.drainCiphertext(into: $0) } == 0)
    }
}
