import Foundation
import Testing

@testable import SSTPTLS

/// One client context per configuration, made again when its CA file
/// changes; a prefetch is what the next connect gets.
@Suite struct ContextCacheTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    /// A CA file of its own, so that the test can rewrite it.
    func caFile(_ source: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sstp-ca-\(UUID().uuidString).pem")
            .path
        try FileManager.default.copyItem(atPath: fixture.pki.path(source), toPath: path)
        return path
    }

    func configuration(ca path: String) -> TLSClientConfiguration {
        var configuration = TLSClientConfiguration(serverName: "sstp.test")
        configuration.trust = .caFile(path)
        return configuration
    }

    @Test func aConfigurationKeepsItsContext() throws {
        let cache = TLSClientContextCache()
        let path = try caFile("root.pem")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = configuration(ca: path)
        let first = try cache.context(for: configuration)
        #expect(try cache.context(for: configuration) === first)
        var other = configuration
        other.serverName = "other.test"
        #expect(try cache.context(for: other) !== first)
        #expect(cache.count == 2)
    }

    /// The CA file is replaced by another CA: the next context trusts the
    /// new one (the handshake with the old root's server fails) and the
    /// stale context is gone.
    @Test func aChangedCAFileIsReadAgain() throws {
        let cache = TLSClientContextCache()
        let path = try caFile("root.pem")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = configuration(ca: path)
        let first = try cache.context(for: configuration)
        let before = try TLSPair(client: first, server: fixture.server()).handshake()
        #expect(before.client.error == nil)

        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: fixture.pki.path("other-root.pem"), toPath: path)
        let second = try cache.context(for: configuration)
        #expect(second !== first)
        #expect(cache.count == 1)
        let after = try TLSPair(client: second, server: fixture.server()).handshake()
        #expect(after.client.error != nil)
    }

    @Test func aPrefetchedContextIsTheOneUsed() throws {
        let cache = TLSClientContextCache()
        let path = try caFile("root.pem")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = configuration(ca: path)
        cache.prefetch(configuration)
        cache.waitForPrefetches()
        #expect(cache.count == 1)
        let context = try cache.context(for: configuration)
        #expect(cache.count == 1)
        #expect(try cache.context(for: configuration) === context)
    }

    /// A prefetch that fails keeps nothing; the connect's own attempt
    /// reports the error.
    @Test func aFailedPrefetchLeavesTheErrorToTheConnect() throws {
        let cache = TLSClientContextCache()
        let configuration = configuration(ca: "/nonexistent/ca.pem")
        cache.prefetch(configuration)
        #expect(throws: TLSError.self) { try cache.context(for: configuration) }
        #expect(cache.count == 0)
    }
}
