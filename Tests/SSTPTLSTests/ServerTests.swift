import SSTPTLS
import Testing

/// The server side: one context, many clients at once.
@Suite struct ServerTests {
    /// Several threads each run their own client and server connections
    /// on one shared client context and one shared server context.
    @Test func oneServerContextServesManyClientsAtOnce() async throws {
        let fixture = try Fixture()
        let server = try fixture.server()
        let client = try TLSClientContext(fixture.client())
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    do {
                        let pair = try TLSPair(client: client, server: server)
                        let (c, s) = pair.handshake()
                        guard c == .done, s == .done else { return false }
                        let data = TLSPair.pattern(200_000, seed: UInt64(index + 10))
                        let echoed = try pair.send(data, from: pair.client, chunk: 16384)
                        let back = try pair.send(echoed, from: pair.server, chunk: 16384)
                        return back == data && pair.client.peerCertificateDER == server.localCertificateDER
                    } catch {
                        return false
                    }
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0 })
    }

    /// Several clients interleaved on one thread, as one epoll loop would
    /// run them.
    @Test func interleavedHandshakesOnOneThread() throws {
        let fixture = try Fixture()
        let server = try fixture.server()
        let client = try TLSClientContext(fixture.client())
        let pairs = try (0..<6).map { _ in try TLSPair(client: client, server: server) }
        var clientDone = [Bool](repeating: false, count: pairs.count)
        var serverDone = [Bool](repeating: false, count: pairs.count)
        for _ in 0..<TLSPair.stepLimit {
            for (i, pair) in pairs.enumerated() {
                if !clientDone[i] { clientDone[i] = try pair.client.handshake() == .done }
                pair.relay()
                if !serverDone[i] { serverDone[i] = try pair.server.handshake() == .done }
                pair.relay()
            }
            if clientDone.allSatisfy({ $0 }), serverDone.allSatisfy({ $0 }) { break }
        }
        #expect(clientDone.allSatisfy { $0 } && serverDone.allSatisfy { $0 })
        for (i, pair) in pairs.enumerated() {
            let data = TLSPair.pattern(1000, seed: UInt64(i))
            #expect(try pair.send(data, from: pair.server, chunk: 1000) == data)
        }
    }
}
