import ByteCoding
import PPP
import Testing

/// Option rules that real peers exercise.
@Suite struct OptionHandlingTests {
    @Test func asyncMapAndCompressionAreRejectedInOneReject() throws {
        var link = RFCTranscriptTests.client()
        _ = link.feed(.lowerUp)
        // pppd's usual request: MRU, ACCM 0, Magic, PFC, ACFC. Over SSTP the
        // ACCM, PFC and ACFC make no sense: one Configure-Reject with
        // exactly those, unmodified and in order (RFC 1661 §5.4).
        let request =
            "ff 03 c0 21 01 05 00 18 01 04 05 dc 02 06 00 00 00 00 05 06 12 34 56 78 07 02 08 02"
        #expect(
            link.feed(hex: request) == [
                [UInt8](hex: "ff 03 c0 21 04 05 00 0e 02 06 00 00 00 00 07 02 08 02")!
            ])
        // The peer drops them and is acked.
        let retry = "ff 03 c0 21 01 06 00 0e 01 04 05 dc 05 06 12 34 56 78"
        #expect(
            link.feed(hex: retry) == [
                [UInt8](hex: "ff 03 c0 21 02 06 00 0e 01 04 05 dc 05 06 12 34 56 78")!
            ])
    }

    @Test func zeroMagicAndTinyMRUAreNakd() throws {
        var link = RFCTranscriptTests.client()
        _ = link.feed(.lowerUp)
        // RFC 1661 §6.4: a zero Magic-Number is Nak'd with a non-zero one;
        // an MRU below 128 is Nak'd with 128.
        let sent = link.feed(hex: "ff 03 c0 21 01 07 00 0e 01 04 00 40 05 06 00 00 00 00")
        let nak = try #require(sent.first)
        #expect(Array(nak.prefix(12)) == [UInt8](hex: "ff 03 c0 21 03 07 00 0e 01 04 00 80")!)
        #expect(Array(nak[12...13]) == [0x05, 0x06])
        #expect(Array(nak[14...17]) != [0, 0, 0, 0])
    }

    @Test func serverRejectingTheAddressIsABadIPConfiguration() throws {
        var link = RFCTranscriptTests.client()
        try RFCTranscriptTests.openWithoutAuthentication(&link)
        let request = try #require(
            link.record.sent.last { $0.pppProtocol == PPPProtocolNumber.ipcp && $0.pppCode == 1 })
        // The server will not give an address: it Rejects IP-Address.
        let reject = RFCTranscriptTests.frame(0x8021, code: 4, id: request[5], [3, 6, 0, 0, 0, 0])
        let retry = try #require(link.feed(.frame(reject)).first)
        #expect(!Array(retry[8...]).starts(with: [3, 6]))
        var ack = retry
        ack[4] = 2
        _ = link.feed(.frame(ack))
        let sent = link.feed(hex: "ff 03 80 21 01 01 00 0a 03 06 0a 00 00 01")
        #expect(sent.first?.pppCode == 2)
        // IPCP came up without an address: the link is closed, never "up".
        #expect(link.record.ipv4.isEmpty)
        let terminate = try #require(
            sent.first { $0.pppProtocol == PPPProtocolNumber.lcp && $0.pppCode == 5 })
        _ = link.feed(.frame([0xff, 0x03, 0xc0, 0x21, 0x06, terminate[5], 0x00, 0x04]))
        guard case .badIPConfiguration = link.record.linkDowns.first else {
            Issue.record("ended with \(link.record.linkDowns)")
            return
        }
    }

    @Test func serverNakingWithAnUnusableAddressIsNotAdopted() throws {
        var link = RFCTranscriptTests.client()
        try RFCTranscriptTests.openWithoutAuthentication(&link)
        let request = try #require(
            link.record.sent.last { $0.pppProtocol == PPPProtocolNumber.ipcp && $0.pppCode == 1 })
        // 127.0.0.1 and 255.255.255.255 are not addresses to use.
        for bad: [UInt8] in [[127, 0, 0, 1], [255, 255, 255, 255], [224, 0, 0, 5]] {
            let last = try #require(
                link.record.sent.last {
                    $0.pppProtocol == PPPProtocolNumber.ipcp && $0.pppCode == 1
                })
            let retry = try #require(
                link.feed(
                    .frame(RFCTranscriptTests.frame(0x8021, code: 3, id: last[5], [3, 6] + bad))
                ).first)
            #expect(Array(retry[8...13]) == [3, 6, 0, 0, 0, 0])
        }
        #expect(request[5] != 0)
    }

    @Test func systemRandomGivesFreshBytes() {
        let random = SystemPPPRandom()
        let a = random.bytes(16)
        let b = random.bytes(16)
        #expect(a.count == 16)
        #expect(a != b)
        #expect(random.bytes(0).isEmpty)
        #expect(random.bytes(-3).isEmpty)
        // The seeded one is reproducible.
        #expect(SeededPPPRandom(seed: 9).bytes(20) == SeededPPPRandom(seed: 9).bytes(20))
        #expect(SeededPPPRandom(seed: 9).bytes(20) != SeededPPPRandom(seed: 10).bytes(20))
    }

    @Test func noPasswordInLogsOrDescriptions() throws {
        for method in PPPAuthenticationMethod.allCases {
            for password in ["secret", "wrong-pw-42"] {
                var link = LinkHarness(
                    client: NegotiationTests.client(password: password),
                    server: NegotiationTests.server(methods: [method]))
                link.start()
                link.run(until: .seconds(60))
                let texts =
                    link.clientRecord.logs + link.serverRecord.logs
                    + (link.clientRecord.linkDowns + link.serverRecord.linkDowns).map(\.description)
                for text in texts {
                    #expect(!text.contains(password), "\(method): \(text)")
                }
            }
        }
        let configuration = PPPClientConfiguration(userName: "alice", password: "hunter2")
        #expect(!configuration.description.contains("hunter2"))
        let server = PPPServerConfiguration(
            users: ["alice": "hunter2"], localIPv4: .zero, peerIPv4: IPv4Address(10, 0, 0, 2))
        #expect(!server.description.contains("hunter2"))
    }
}
