import CSSTPOpenSSL
import PPP
import SSTPTLS
import Testing

/// The OpenSSL engine as PEAP uses it (MS-PEAP 3.1.5.6): a tunnel for the
/// inner EAP packets both ways after the handshake, and the server's
/// close_notify.
@Suite struct EAPTLSApplicationDataTests {
    @Test(arguments: [Int32(TLS1_2_VERSION), Int32(TLS1_3_VERSION)])
    func tunnelCarriesDataBothWays(version: Int32) throws {
        let pki = try TestPKI.get()
        var configuration = EAPTLSClientConfiguration(caFile: pki.path("root.pem"), serverName: "sstp.test")
        configuration.identity = .pem(
            certificateFile: pki.path("clientauth-chain.pem"), keyFile: pki.path("leaf.key"))
        var engine = try EAPTLSClientContext(configuration).makeEngine()
        let server = try EAPTLSTestAuthenticator(pki: pki, version: version, fragmentSize: 1000)
        var toServer = try engine.startHandshake()
        for _ in 0..<10 where !engine.isHandshakeComplete {
            let answer = try #require(server.exchange(toServer))
            toServer = try engine.receive(answer)
        }
        #expect(engine.isHandshakeComplete)
        if !toServer.isEmpty { _ = server.exchange(toServer) }
        #expect(engine.negotiatedVersion == (version == Int32(TLS1_3_VERSION) ? .tls13 : .tls12OrEarlier))

        // Server to client: an inner EAP-Request/Identity (RFC 3748 §5.1).
        let request: [UInt8] = [0x01, 0x07, 0x00, 0x05, 0x01]
        #expect(try engine.receive(server.write(request)).isEmpty)
        #expect(engine.takeApplicationData() == request)
        #expect(engine.takeApplicationData().isEmpty)

        // Client to server, larger than one TLS record.
        let big = (0..<20000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let records = try engine.sendApplicationData(big)
        #expect(records.count > big.count)
        #expect(server.read(records) == big)

        #expect(!engine.receivedCloseNotify)
        _ = try engine.receive(server.close())
        #expect(engine.receivedCloseNotify)
    }

    @Test func exportBeforeHandshakeFails() throws {
        let pki = try TestPKI.get()
        let engine = try EAPTLSClientContext(EAPTLSClientConfiguration(caFile: pki.path("root.pem"))).makeEngine()
        #expect(throws: EAPTLSEngineFailure.self) {
            try engine.exportKeyingMaterial(label: EAPTLSKeys.tls12Label, context: nil, length: 128)
        }
    }
}
