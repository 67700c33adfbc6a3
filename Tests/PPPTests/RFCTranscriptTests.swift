import ByteCoding
import PPP
import Testing

/// Exchanges built from the rules of RFC 1661, 1332 and 5072.
@Suite struct RFCTranscriptTests {
    static func client(
        refused: Set<PPPAuthenticationMethod> = [], ipv6: Bool = false,
        limits: PPPNegotiationLimits = .default,
        keepalive: PPPKeepalive = .off
    ) -> Scripted<PPPClient> {
        Scripted(
            PPPClient(
                configuration: PPPClientConfiguration(
                    userName: "alice", password: "secret", refusedMethods: refused, mru: 1500,
                    requestIPv6: ipv6,
                    limits: limits, keepalive: keepalive),
                random: SeededPPPRandom(seed: 11)))
    }

    /// LCP up with a peer that asks for nothing and acks our request; no
    /// authentication, so the client goes straight to the Network phase.
    static func openWithoutAuthentication(_ link: inout Scripted<PPPClient>) throws {
        let request = try #require(link.feed(.lowerUp).first)
        #expect(
            link.feed(hex: "ff 03 c0 21 01 33 00 04") == [[UInt8](hex: "ff 03 c0 21 02 33 00 04")!])
        var ack = request
        ack[4] = 2
        _ = link.feed(.frame(ack))
        #expect(link.engine.phase == .network)
        #expect(link.record.authenticated.first?.method == nil)
    }

    /// IPCP up: the peer's request with its address is acked, ours is
    /// Nak'd with 10.0.0.2 and then acked.
    static func openIPCP(_ link: inout Scripted<PPPClient>) throws {
        _ = link.feed(hex: "ff 03 80 21 01 01 00 0a 03 06 0a 00 00 01")
        let request = try #require(
            link.record.sent.last { $0.pppProtocol == PPPProtocolNumber.ipcp && $0.pppCode == 1 })
        let retry = try #require(
            link.feed(.frame(Self.frame(0x8021, code: 3, id: request[5], [3, 6, 10, 0, 0, 2])))
                .first)
        var ack = retry
        ack[4] = 2
        _ = link.feed(.frame(ack))
        #expect(link.engine.ipcpState == .opened)
    }

    static func frame(_ protocolNumber: UInt16, code: UInt8, id: UInt8, _ data: [UInt8]) -> [UInt8] {
        var information: [UInt8] = [code, id]
        information.appendUInt16(UInt16(4 + data.count))
        return PPPFrame.serialize(protocolNumber: protocolNumber, information: information + data)
    }

    @Test func configureRequestStormIsAnsweredOneByOne() throws {
        var link = Self.client()
        let request = try #require(link.feed(.lowerUp).first)
        // 40 Configure-Requests, each with a new Identifier and MRU: each
        // gets its own Ack (Req-Sent/Ack-Sent + RCR+ → sca/8), and no new
        // Configure-Request of ours goes out (RFC 1661 §4.1).
        for id in 0..<40 {
            let mru = UInt16(1000 + id)
            let sent = link.feed(
                .frame(
                    Self.frame(
                        0xc021, code: 1, id: UInt8(id), [1, 4, UInt8(mru >> 8), UInt8(mru & 0xff)]))
            )
            #expect(
                sent == [
                    Self.frame(
                        0xc021, code: 2, id: UInt8(id), [1, 4, UInt8(mru >> 8), UInt8(mru & 0xff)])
                ])
            #expect(link.engine.lcpState == .ackSent)
        }
        #expect(link.record.sent.filter { $0.pppCode == 1 }.count == 1)
        var ack = request
        ack[4] = 2
        _ = link.feed(.frame(ack))
        #expect(link.engine.lcpState == .opened)
        // The last acknowledged MRU (1039) caps the MTU.
        #expect(link.record.ipv4.isEmpty)
        _ = link.feed(hex: "ff 03 80 21 01 01 00 0a 03 06 0a 00 00 01")
        let ipcp = try #require(
            link.record.sent.last { $0.pppProtocol == PPPProtocolNumber.ipcp && $0.pppCode == 1 })
        var ipcpAck = ipcp
        ipcpAck[4] = 3
        // Nak with an address, then Ack the request that carries it.
        ipcpAck = Self.frame(0x8021, code: 3, id: ipcp[5], [3, 6, 10, 0, 0, 2])
        let retry = try #require(link.feed(.frame(ipcpAck)).first)
        var finalAck = retry
        finalAck[4] = 2
        _ = link.feed(.frame(finalAck))
        #expect(link.record.ipv4.first?.mtu == 1039)
    }

    @Test func refusedMethodNaksTurnIntoRejectsAfterMaxFailure() throws {
        var link = Self.client(refused: [.pap])
        _ = link.feed(.lowerUp)
        var codes: [UInt8] = []
        for id in 0..<7 {
            let sent = link.feed(
                .frame(Self.frame(0xc021, code: 1, id: UInt8(id), [3, 4, 0xc0, 0x23])))
            codes += sent.compactMap(\.pppCode)
        }
        // RFC 1661 §4.6 Max-Failure (5): five Naks, then Rejects.
        #expect(codes == [3, 3, 3, 3, 3, 4, 4])
        #expect(link.record.sent(protocol: PPPProtocolNumber.pap).isEmpty)
    }

    @Test func nakWithNewAddressIsAdopted() throws {
        var link = Self.client()
        try Self.openWithoutAuthentication(&link)
        let request = try #require(
            link.record.sent.last { $0.pppProtocol == PPPProtocolNumber.ipcp })
        // RFC 1332 §3.3: the Nak names the address to use; the next request carries it.
        let retry = link.feed(
            .frame(Self.frame(0x8021, code: 3, id: request[5], [3, 6, 198, 51, 100, 7])))
        let next = try #require(retry.first)
        #expect(Array(next[8...13]) == [3, 6, 198, 51, 100, 7])
        #expect(next[5] == request[5] &+ 1)
        // A Nak with an id that is not our last request's is discarded (§5.3).
        #expect(
            link.feed(.frame(Self.frame(0x8021, code: 3, id: request[5], [3, 6, 203, 0, 113, 9])))
                .isEmpty)
    }

    @Test func serverNaksAWrongAddressWithTheAssignedOne() throws {
        var server = Scripted(
            PPPServer(
                configuration: PPPServerConfiguration(
                    users: [:], methods: [], localIPv4: IPv4Address(10, 1, 0, 1),
                    peerIPv4: IPv4Address(10, 1, 0, 2),
                    dns: [IPv4Address(10, 1, 0, 53)], ipv6: false),
                random: SeededPPPRandom(seed: 3)))
        let request = try #require(server.feed(.lowerUp).first)
        _ = server.feed(hex: "ff 03 c0 21 01 01 00 04")
        var ack = request
        ack[4] = 2
        _ = server.feed(.frame(ack))
        #expect(server.engine.phase == .network)
        // The client wants 10.9.9.9, DNS1 and DNS2: Secondary-DNS is
        // Rejected first (RFC 1661 §5.4 before §5.3)...
        let ask = Self.frame(
            0x8021, code: 1, id: 5, [3, 6, 10, 9, 9, 9, 0x81, 6, 0, 0, 0, 0, 0x83, 6, 0, 0, 0, 0])
        #expect(
            server.feed(.frame(ask)) == [Self.frame(0x8021, code: 4, id: 5, [0x83, 6, 0, 0, 0, 0])])
        // ...then the address and DNS1 are Nak'd with the assigned values.
        let ask2 = Self.frame(0x8021, code: 1, id: 6, [3, 6, 10, 9, 9, 9, 0x81, 6, 0, 0, 0, 0])
        #expect(
            server.feed(.frame(ask2)) == [
                Self.frame(0x8021, code: 3, id: 6, [3, 6, 10, 1, 0, 2, 0x81, 6, 10, 1, 0, 53])
            ])
        let ask3 = Self.frame(0x8021, code: 1, id: 7, [3, 6, 10, 1, 0, 2, 0x81, 6, 10, 1, 0, 53])
        #expect(
            server.feed(.frame(ask3)) == [
                Self.frame(0x8021, code: 2, id: 7, [3, 6, 10, 1, 0, 2, 0x81, 6, 10, 1, 0, 53])
            ])
    }

    @Test func unknownProtocolIsProtocolRejected() throws {
        var link = Self.client()
        // Before LCP is open, non-LCP frames are silently discarded (§3.4).
        _ = link.feed(.lowerUp)
        #expect(link.feed(hex: "ff 03 80 fd 01 01 00 04").isEmpty)
        link = Self.client()
        try Self.openWithoutAuthentication(&link)
        // CCP Configure-Request: Protocol-Reject with the whole packet (§5.7).
        let sent = link.feed(hex: "ff 03 80 fd 01 01 00 0a 12 06 01 00 00 01")
        #expect(sent.count == 1)
        let reject = try #require(sent.first)
        #expect(Array(reject.prefix(5)) == [0xff, 0x03, 0xc0, 0x21, 0x08])
        #expect(Array(reject[6...]) == [UInt8](hex: "00 10 80 fd 01 01 00 0a 12 06 01 00 00 01")!)
        // An unassigned protocol and a compressed-header frame too.
        #expect(link.feed(hex: "ff 03 40 25 de ad").first?.pppCode == 8)
        #expect(link.feed(hex: "41 be ef").first.map { Array($0[8...9]) } == [0x00, 0x41])
        // IPv6CP while IPv6 is off: Protocol-Reject, as for IPv6 data.
        #expect(link.feed(hex: "ff 03 80 57 01 01 00 04").first?.pppCode == 8)
        #expect(link.feed(hex: "ff 03 00 57 60 00 00 00").first?.pppCode == 8)
        // IPv4 data while IPCP is not open: discarded, not rejected (§3.6).
        #expect(link.feed(hex: "ff 03 00 21 45 00 00 14").isEmpty)
        // An unknown LCP code: Code-Reject (§5.6).
        let codeReject = try #require(link.feed(hex: "ff 03 c0 21 0c 09 00 08 00 00 00 00").first)
        #expect(codeReject.pppCode == 7)
        #expect(Array(codeReject[8...]) == [UInt8](hex: "0c 09 00 08 00 00 00 00")!)
        #expect(link.record.linkDowns.isEmpty)
    }

    @Test func peerTerminateRequestEndsTheLinkAfterOneRestartInterval() throws {
        var link = Self.client()
        try Self.openWithoutAuthentication(&link)
        // RFC 1661 §4.1 Opened + RTR → tld,zrc,sta/5; the zeroed counter
        // gives one Restart interval, then TO- → tlf/3.
        let sent = link.feed(
            .frame([UInt8](hex: "ff 03 c0 21 05 44 00 0b")! + Array("bye now".utf8)))
        #expect(sent == [[UInt8](hex: "ff 03 c0 21 06 44 00 04")!])
        #expect(link.engine.lcpState == .stopping)
        #expect(link.record.linkDowns.isEmpty)
        link.fireNextTimer()
        #expect(link.now == .seconds(3))
        #expect(link.record.linkDowns == [.terminatedByPeer("bye now")])
        #expect(link.engine.isFinished)
    }

    @Test func lostPacketsAreRecoveredByRetransmission() throws {
        var link = Self.client()
        let first = try #require(link.feed(.lowerUp).first)
        // The first request is "lost": the Restart timer resends it with a
        // new Identifier after 3 s (RFC 1661 §4.6).
        let second = try #require(link.fireNextTimer().first)
        #expect(link.now == .seconds(3))
        #expect(second.pppCode == 1)
        #expect(second[5] == first[5] &+ 1)
        #expect(Array(second[6...]) == Array(first[6...]))
        // A late Ack for the lost one is discarded; the Ack of the resent one counts.
        var lateAck = first
        lateAck[4] = 2
        _ = link.feed(.frame(lateAck))
        #expect(link.engine.lcpState == .requestSent)
        var ack = second
        ack[4] = 2
        _ = link.feed(.frame(ack))
        #expect(link.engine.lcpState == .ackReceived)
        _ = link.feed(hex: "ff 03 c0 21 01 01 00 04")
        #expect(link.engine.lcpState == .opened)
    }

    @Test func echoRequestsKeepTheLinkAliveAndDetectADeadPeer() throws {
        var link = Self.client(keepalive: PPPKeepalive(interval: .seconds(10), failureLimit: 3))
        try Self.openWithoutAuthentication(&link)
        try Self.openIPCP(&link)
        #expect(Array(link.record.timers.keys) == [.lcpEcho])
        // An answered echo resets the count...
        let echo = try #require(link.fire(.lcpEcho).first { $0.pppCode == 9 })
        #expect(link.now == .seconds(10))
        // Our magic (acked) is in the request; the peer echoes its own 0s.
        var reply = echo
        reply[4] = 10
        reply.replaceSubrange(8..<12, with: [0, 0, 0, 0])
        _ = link.feed(.frame(reply))
        // ...then three unanswered ones and the link is declared dead.
        var echoes = 0
        while !link.engine.isFinished && link.now < .seconds(200) {
            echoes += link.fireNextTimer().filter { $0.pppCode == 9 }.count
        }
        #expect(echoes == 3)
        // The fourth tick (50 s) finds three unanswered: Terminate-Request,
        // Max-Terminate (2) of them 3 s apart, and the link is down at 56 s.
        #expect(
            link.record.sent.filter { $0.pppProtocol == PPPProtocolNumber.lcp && $0.pppCode == 5 }
                .count == 2)
        #expect(link.now == .seconds(56))
        #expect(link.record.linkDowns == [.peerNotResponding(.lcpEcho)])
    }

    @Test func ipv6InterfaceIdentifierCollisionIsResolved() throws {
        // Both ends draw the same tentative identifier: RFC 5072 §4.1 makes
        // each Nak the other's equal identifier with a new value.
        let same: [UInt8] = [0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]
        var link = LinkHarness(
            client: PPPClient(
                configuration: PPPClientConfiguration(
                    userName: "u", password: "p", requestIPv6: true),
                random: ScriptedRandom([[1, 2, 3, 4], same], seed: 98)),
            server: PPPServer(
                configuration: PPPServerConfiguration(
                    users: ["u": "p"], methods: [.pap], localIPv4: IPv4Address(10, 0, 0, 1),
                    peerIPv4: IPv4Address(10, 0, 0, 2)),
                random: ScriptedRandom([[5, 6, 7, 8], same], seed: 99)))
        link.start()
        link.run(until: .seconds(60))
        let client = try #require(link.clientRecord.ipv6.first)
        let server = try #require(link.serverRecord.ipv6.first)
        #expect(client.localInterfaceIdentifier != server.localInterfaceIdentifier)
        #expect(client.localInterfaceIdentifier != same || server.localInterfaceIdentifier != same)
        #expect(client.peerInterfaceIdentifier == server.localInterfaceIdentifier)
        #expect(server.peerInterfaceIdentifier == client.localInterfaceIdentifier)
        // A Nak happened: the collision was seen.
        #expect(
            link.clientRecord.sent(protocol: PPPProtocolNumber.ipv6cp).contains { $0.pppCode == 3 })
    }

    @Test func zeroInterfaceIdentifierIsNakdWithANonZeroOne() throws {
        var link = Self.client(ipv6: true)
        try Self.openWithoutAuthentication(&link)
        let sent = link.feed(hex: "ff 03 80 57 01 01 00 0e 01 0a 00 00 00 00 00 00 00 00")
        let nak = try #require(sent.first)
        #expect(nak.pppCode == 3)
        #expect(Array(nak[10...17]) != [UInt8](repeating: 0, count: 8))
    }

    @Test func magicNumberLoopbackIsDetected() throws {
        // A looped-back line: every frame we send comes back to us.
        var link = Self.client()
        var pending = link.feed(.lowerUp)
        var steps = 0
        while !link.engine.isFinished && steps < 1000 {
            steps += 1
            if pending.isEmpty {
                pending = link.fireNextTimer()
                if link.record.timers.isEmpty && pending.isEmpty { break }
                continue
            }
            let frame = pending.removeFirst()
            pending += link.feed(.frame(frame))
        }
        #expect(link.record.linkDowns == [.loopbackDetected])
    }
}
