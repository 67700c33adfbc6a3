import SSTPTLS
import Testing

/// Bulk data: one write of up to 16 KiB is one TLS record, and megabytes
/// arrive intact.
@Suite struct TransferTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture()
    }

    static let applicationData: UInt8 = 23

    @Test(arguments: [TLSVersion.tls13, .tls12])
    func eachWriteOfUpTo16KiBIsOneRecord(version: TLSVersion) throws {
        var configuration = fixture.client()
        configuration.maxVersion = version
        let run = try fixture.handshake(configuration, server: fixture.server())
        #expect(run.client == .done && run.server == .done)
        let before = run.pair.toServer.records.count

        let full = TLSConnection.maxRecordPayload
        let data = TLSPair.pattern(64 * full + 1000, seed: 5)
        #expect(try run.pair.send(data, from: run.pair.client, chunk: full) == data)

        let records = run.pair.toServer.records.dropFirst(before)
        #expect(records.allSatisfy { $0.type == Self.applicationData })
        #expect(records.count == 65)
        // Ciphertext = plaintext + AEAD tag (+ content type in 1.3, explicit
        // nonce in 1.2): just over 16 KiB for a full record (RFC 8446 §5.2).
        let fullRecords = records.filter { $0.length > full && $0.length <= full + 256 }
        #expect(fullRecords.count == 64)
        #expect(records.last.map { $0.length > 1000 && $0.length < 1100 } == true)
    }

    /// A write larger than a record goes out record by record (partial
    /// writes), and 4 MiB arrive intact in both directions.
    @Test func multiMegabyteTransferBothWays() throws {
        let run = try fixture.handshake(fixture.client(), server: fixture.server())
        #expect(run.client == .done && run.server == .done)
        let down = TLSPair.pattern(4 << 20, seed: 6)
        #expect(try run.pair.send(down, from: run.pair.server, chunk: 40_000) == down)
        let up = TLSPair.pattern(4 << 20, seed: 7)
        #expect(try run.pair.send(up, from: run.pair.client, chunk: 16_000) == up)
    }
}
