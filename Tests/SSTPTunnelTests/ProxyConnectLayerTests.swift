import Glibc
import SSTPHTTP
import SSTPPlatform
import Testing

@testable import SSTPTunnel

/// The proxy layer over a MemoryByteTransport pair, a fake proxy on the
/// far end, with every byte whole, one at a time and in random pieces:
/// the request goes out whole, the answer's verdict comes back typed, and
/// the bytes after a 200 reach the next layer's reads first.
@Suite struct ProxyConnectLayerTests {
    static let deliveries: [MemoryByteTransport.Delivery] = [
        .whole, .oneByte, .randomChunks(maximum: 7, seed: 42),
    ]

    /// What the fake proxy does once the request head is in.
    enum Behaviour {
        case answer([UInt8])
        /// Sends these bytes, then ends the stream as `cut` says.
        case answerThenCut([UInt8], MemoryByteTransport.Cut)
    }

    /// The proxy's end: reads the request, then behaves.
    final class FakeProxy {
        let end: MemoryByteTransport
        let behaviour: Behaviour
        private(set) var request: [UInt8] = []
        private var pending: [UInt8] = []
        private var answered = false
        private var cut = false

        init(end: MemoryByteTransport, behaviour: Behaviour) {
            self.end = end
            self.behaviour = behaviour
        }

        var requestComplete: Bool {
            request.count >= 4 && Array(request.suffix(4)) == [13, 10, 13, 10]
        }

        /// One turn: read what came, write what waits.
        func pump() {
            guard !cut else { return }
            var buffer = [UInt8](repeating: 0, count: 512)
            while !requestComplete, case .bytes(let n) = buffer.withUnsafeMutableBytes({ end.read(into: $0) }) {
                request += buffer[0..<n]
            }
            if requestComplete, !answered {
                answered = true
                switch behaviour {
                case .answer(let bytes), .answerThenCut(let bytes, _): pending = bytes
                }
            }
            while !pending.isEmpty, case .bytes(let n) = pending.withUnsafeBytes({ end.write($0) }) {
                pending.removeFirst(n)
            }
            if answered, pending.isEmpty, case .answerThenCut(_, let how) = behaviour {
                cut = true
                end.cut(how)
            }
        }
    }

    struct Run {
        let result: Result<ProxyConnectLayer.Opened, ProxyConnectLayer.Failure>?
        let proxy: FakeProxy
        let client: MemoryByteTransport
        let loop: EventLoop

        var failure: ProxyConnectLayer.Failure? {
            if case .failure(let failure) = result { return failure }
            return nil
        }
    }

    static func run(
        _ delivery: MemoryByteTransport.Delivery, _ behaviour: Behaviour,
        credentials: (user: String, password: String)? = nil
    ) throws -> Run {
        let loop = try EventLoop()
        let (client, server) = try MemoryByteTransport.pair(delivery: delivery)
        try loop.add(fd: client.fd, events: .readable) { _ in }
        let proxy = FakeProxy(end: server, behaviour: behaviour)
        var result: Result<ProxyConnectLayer.Opened, ProxyConnectLayer.Failure>?
        let exchange = HTTPConnectExchange(host: "vpn.example.com", port: 443, basicCredentials: credentials)
        let layer = ProxyConnectLayer(transport: client, exchange: exchange, loop: loop) { result = $0 }
        layer.start()
        // A bound so a broken layer fails the test instead of hanging it.
        for _ in 0..<20000 where result == nil {
            proxy.pump()
            try loop.runOnce(maximumWait: .milliseconds(1))
        }
        return Run(result: result, proxy: proxy, client: client, loop: loop)
    }

    /// Reads `count` bytes from `transport` while the proxy keeps sending.
    static func read(_ count: Int, from transport: any ByteTransport, _ run: Run) throws -> [UInt8] {
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        for _ in 0..<20000 where got.count < count {
            run.proxy.pump()
            switch buffer.withUnsafeMutableBytes({ transport.read(into: $0) }) {
            case .bytes(let n): got += buffer[0..<n]
            case .wouldBlock: try run.loop.runOnce(maximumWait: .milliseconds(1))
            case .endOfStream, .failed: return got
            }
        }
        return got
    }

    static let established = Array("HTTP/1.1 200 Connection established\r\nProxy-Agent: fake\r\n\r\n".utf8)
    /// The server's first TLS bytes, sent by a proxy right behind its 200.
    static let tls: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00]

    @Test(arguments: deliveries)
    func opensAndHandsTheFollowingBytesToTLS(_ delivery: MemoryByteTransport.Delivery) throws {
        let run = try Self.run(delivery, .answer(Self.established + Self.tls), credentials: ("alice", "proxy-secret"))
        guard case .success(let opened) = run.result else {
            Issue.record("not opened: \(String(describing: run.result))")
            return
        }
        let request = HTTPConnect.request(
            host: "vpn.example.com", port: 443, basicCredentials: ("alice", "proxy-secret"))
        #expect(run.proxy.request == request)
        if delivery == .whole {
            // Read in one piece with the answer: they wait in front.
            #expect(opened.leftover == Self.tls.count)
            #expect(opened.transport is PrefixedByteTransport)
            #expect(opened.transport.kernelSocket == nil)
        }
        #expect(try Self.read(Self.tls.count, from: opened.transport, run) == Self.tls)
        #expect(opened.transport.fd == run.client.fd)
    }

    @Test(arguments: deliveries)
    func opensWithNothingAfterTheAnswer(_ delivery: MemoryByteTransport.Delivery) throws {
        let run = try Self.run(delivery, .answer(Self.established))
        guard case .success(let opened) = run.result else {
            Issue.record("not opened: \(String(describing: run.result))")
            return
        }
        #expect(opened.leftover == 0)
        #expect(opened.transport === run.client)
        #expect(!String(decoding: run.proxy.request, as: UTF8.self).contains("Proxy-Authorization"))
    }

    @Test(arguments: deliveries)
    func authenticationRequiredIsTypedAndClosesTheTransport(_ delivery: MemoryByteTransport.Delivery) throws {
        let answer = Array(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=x\r\n\r\n".utf8)
        let run = try Self.run(delivery, .answer(answer))
        let refusal = HTTPConnect.Refusal.authenticationRequired(
            status: 407, schemes: ["Basic"], credentialsSent: false)
        #expect(run.failure == .exchange(.refused(refusal)))
        var byte: UInt8 = 0
        #expect(withUnsafeMutableBytes(of: &byte) { run.client.read(into: $0) } == .failed(errno: EBADF))
    }

    @Test(arguments: deliveries)
    func wrongCredentialsAreTyped(_ delivery: MemoryByteTransport.Delivery) throws {
        let run = try Self.run(
            delivery, .answer(Array("HTTP/1.0 401 Unauthorized\r\n\r\n".utf8)), credentials: ("a", "b"))
        let refusal = HTTPConnect.Refusal.authenticationRequired(status: 401, schemes: [], credentialsSent: true)
        #expect(run.failure == .exchange(.refused(refusal)))
    }

    @Test(arguments: deliveries)
    func malformedAnswerIsTyped(_ delivery: MemoryByteTransport.Delivery) throws {
        let run = try Self.run(delivery, .answer(Array("HTTP/1.1 2000 OK\r\n\r\n".utf8)))
        #expect(run.failure == .exchange(.malformed(.invalidStatusCode)))
    }

    @Test(arguments: deliveries)
    func endOfStreamMidAnswer(_ delivery: MemoryByteTransport.Delivery) throws {
        let partial = Array("HTTP/1.1 200 Conn".utf8)
        let run = try Self.run(delivery, .answerThenCut(partial, .endOfStream))
        #expect(run.failure == .exchange(.closedEarly(received: partial.count)))
    }

    @Test(arguments: deliveries)
    func resetMidAnswer(_ delivery: MemoryByteTransport.Delivery) throws {
        let run = try Self.run(delivery, .answerThenCut(Array("HTTP/1.1 200".utf8), .reset))
        #expect(
            run.failure == .transport(SystemError("read", errno: ECONNRESET)))
    }

    @Test func cancelClosesAndNeverCompletes() throws {
        let loop = try EventLoop()
        let (client, server) = try MemoryByteTransport.pair()
        try loop.add(fd: client.fd, events: .readable) { _ in }
        var completed = false
        let exchange = HTTPConnectExchange(host: "vpn.example.com", port: 443, basicCredentials: nil)
        let layer = ProxyConnectLayer(transport: client, exchange: exchange, loop: loop) { _ in completed = true }
        layer.start()
        #expect(layer.isRunning)
        layer.cancel()
        #expect(!layer.isRunning)
        // The proxy's answer arrives after the cancel: nobody reads it.
        _ = Array("HTTP/1.1 200 OK\r\n\r\n".utf8).withUnsafeBytes { server.write($0) }
        try loop.runOnce(maximumWait: .milliseconds(1))
        #expect(!completed)
        var byte: UInt8 = 0
        #expect(withUnsafeMutableBytes(of: &byte) { client.read(into: $0) } == .failed(errno: EBADF))
    }
}
