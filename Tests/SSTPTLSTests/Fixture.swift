import SSTPTLS

/// Shorthands over the test PKI: a server with one of its chains, a client
/// that trusts only the test root (unless told otherwise), and a handshake.
struct Fixture {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.get()
    }

    func client(_ serverName: String = "sstp.test") -> TLSClientConfiguration {
        var configuration = TLSClientConfiguration(serverName: serverName)
        configuration.trust = .caFile(pki.path("root.pem"))
        return configuration
    }

    func server(
        _ chain: String = "sstp-chain.pem", key: String = "leaf.key",
        min: TLSVersion = .tls12, max: TLSVersion = .tls13
    ) throws -> TLSServerContext {
        try TLSServerContext(
            certificateChainFile: pki.path(chain), privateKeyFile: pki.path(key),
            minVersion: min, maxVersion: max)
    }

    struct Run {
        let pair: TLSPair
        let client: TLSPair.Side
        let server: TLSPair.Side
    }

    func handshake(_ configuration: TLSClientConfiguration, server: TLSServerContext) throws -> Run {
        let pair = try TLSPair(client: TLSClientContext(configuration), server: server)
        let (client, server) = pair.handshake()
        return Run(pair: pair, client: client, server: server)
    }

    /// The handshake against `chain`, expected to fail on the client; the
    /// client's error, or nil (recorded as an issue by the caller's #expect).
    func clientError(_ configuration: TLSClientConfiguration, chain: String, key: String = "leaf.key")
        throws -> TLSError?
    {
        let run = try handshake(configuration, server: server(chain, key: key))
        return run.client.error
    }
}
