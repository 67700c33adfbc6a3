import Glibc
import SSTPPlatform
import SSTPTLS
import Testing

/// TLS over a ByteTransport through the transport BIO: a client and a
/// server on the two ends of a MemoryByteTransport pair, whole, one byte
/// at a time and in random pieces, and a cut in the middle.
@Suite struct TransportBIOTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    static func handshake(_ client: TLSConnection, _ server: TLSConnection) throws -> Bool {
        var clientDone = false
        var serverDone = false
        // One byte at a time needs a step per byte of the handshake.
        for _ in 0..<200_000 where !(clientDone && serverDone) {
            clientDone = try client.handshake() == .done
            serverDone = try server.handshake() == .done
        }
        return clientDone && serverDone
    }

    /// Writes `message` on `from` and reads it whole on `to`. A cut-up
    /// transport pauses after each piece, so the write may want the same
    /// bytes again (SSL_write's rule: retry with the same arguments).
    static func send(_ message: [UInt8], from: TLSConnection, to: TLSConnection) throws -> [UInt8] {
        var written = false
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<400_000 where !written || received.count < message.count {
            if !written, case .bytes(let n) = try message.withUnsafeBytes({ try from.write($0) }) {
                #expect(n == message.count)
                written = true
            }
            let result = try buffer.withUnsafeMutableBytes { try to.read(into: $0) }
            if case .bytes(let n) = result { received += buffer[0..<n] }
        }
        #expect(written)
        return received
    }

    func run(_ delivery: MemoryByteTransport.Delivery) throws {
        let (a, b) = try MemoryByteTransport.pair(delivery: delivery)
        let client = try TLSClientContext(fixture.client()).connect(transport: a)
        let server = try fixture.server().accept(transport: b)
        #expect(client.socket == -1 && !client.isInMemory)
        #expect(try Self.handshake(client, server))
        #expect(client.verification == .verified)
        let up = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        #expect(try Self.send(up, from: client, to: server) == up)
        let down = Array("SSTP over a byte transport".utf8)
        #expect(try Self.send(down, from: server, to: client) == down)
    }

    @Test func wholeDelivery() throws { try run(.whole) }
    @Test func oneByteAtATime() throws { try run(.oneByte) }
    @Test func randomPieces() throws { try run(.randomChunks(maximum: 7, seed: 13)) }

    @Test func theCertificateIsCheckedOverATransportToo() throws {
        let (a, b) = try MemoryByteTransport.pair()
        let client = try TLSClientContext(fixture.client("other.test")).connect(transport: a)
        let server = try fixture.server().accept(transport: b)
        #expect(throws: TLSError.self) { _ = try Self.handshake(client, server) }
    }

    /// A reset mid-session is the transport's errno, as over a socket; a
    /// clean end of stream without close_notify is the peer closing.
    @Test(arguments: [MemoryByteTransport.Cut.reset, .endOfStream])
    func aCutMidSessionIsReported(_ cut: MemoryByteTransport.Cut) throws {
        let (a, b) = try MemoryByteTransport.pair()
        let client = try TLSClientContext(fixture.client()).connect(transport: a)
        let server = try fixture.server().accept(transport: b)
        #expect(try Self.handshake(client, server))
        b.cut(cut)
        var buffer = [UInt8](repeating: 0, count: 64)
        let error = try #require(throws: TLSError.self) {
            _ = try buffer.withUnsafeMutableBytes { try client.read(into: $0) }
        }
        switch cut {
        case .reset: #expect(error == .syscall(call: "SSL_read_ex", errno: ECONNRESET), "\(error)")
        case .endOfStream: #expect(error == .peerClosed(duringHandshake: false), "\(error)")
        }
    }

    /// A kernel socket goes to OpenSSL directly (SSL_set_fd), not through
    /// the BIO.
    @Test func aSocketTransportUsesTheSocket() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let transport = SocketByteTransport(fd: pair[0])
        defer {
            transport.close()
            close(pair[1])
        }
        let client = try TLSClientContext(fixture.client()).connect(transport: transport)
        #expect(client.socket == pair[0])
    }
}
