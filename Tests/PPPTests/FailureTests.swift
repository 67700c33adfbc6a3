import PPP
import Synchronization
import Testing

/// The "fails with the right reason" cases.
@Suite struct FailureTests {
    @Test(arguments: PPPAuthenticationMethod.allCases)
    func wrongPasswordFailsWithinOneExchange(_ method: PPPAuthenticationMethod) throws {
        var link = LinkHarness(
            client: NegotiationTests.client(password: "wrong"),
            server: NegotiationTests.server(methods: [method]))
        link.start()
        link.run(until: .seconds(60))
        guard case .authenticationFailed = link.clientRecord.linkDowns.first else {
            Issue.record("client ended with \(link.clientRecord.linkDowns)")
            return
        }
        #expect(link.clientRecord.linkDowns.count == 1)
        guard case .authenticationFailed = link.serverRecord.linkDowns.first else {
            Issue.record("server ended with \(link.serverRecord.linkDowns)")
            return
        }
        // One exchange: no timer had to fire, the clock never moved.
        #expect(link.now == .zero)
        // Exactly one credential-bearing packet from the client.
        let credentials: Int
        switch method {
        case .pap:
            credentials = link.clientRecord.sent(protocol: PPPProtocolNumber.pap).count
        case .chapMD5, .mschapv2:
            credentials =
                link.clientRecord.sent(protocol: PPPProtocolNumber.chap).filter { $0.pppCode == 2 }
                .count
        case .eapMSCHAPv2:
            // Type 26, OpCode 2 (Response).
            credentials =
                link.clientRecord.sent(protocol: PPPProtocolNumber.eap).filter {
                    $0.count > 9 && $0[8] == 26 && $0[9] == 2
                }.count
        }
        #expect(credentials == 1)
        #expect(link.clientRecord.authenticated.isEmpty)
        #expect(link.clientRecord.ipv4.isEmpty)
    }

    @Test func wrongMSCHAPv2PasswordReportsTheServersErrorCode() throws {
        var link = LinkHarness(
            client: NegotiationTests.client(password: "wrong"),
            server: NegotiationTests.server(methods: [.mschapv2]))
        link.start()
        link.run(until: .seconds(60))
        guard case .authenticationFailed(let message, _) = link.clientRecord.linkDowns.first else {
            Issue.record("client ended with \(link.clientRecord.linkDowns)")
            return
        }
        #expect(message.contains("691"))
        #expect(message.contains("wrong user name or password"))
        #expect(!message.contains("wrong\""))
    }

    @Test func unknownUserFails() throws {
        var link = LinkHarness(
            client: NegotiationTests.client(user: "mallory"),
            server: NegotiationTests.server(methods: [.pap]))
        link.start()
        link.run(until: .seconds(60))
        guard case .authenticationFailed(let message, _) = link.serverRecord.linkDowns.first else {
            Issue.record("server ended with \(link.serverRecord.linkDowns)")
            return
        }
        #expect(message.contains("unknown user"))
    }

    static func silentServerClient(_ limits: PPPNegotiationLimits, ipv6: Bool = false) -> Scripted<
        PPPClient
    > {
        Scripted(
            PPPClient(
                configuration: PPPClientConfiguration(
                    userName: "u", password: "p", requestIPv6: ipv6, limits: limits),
                random: SeededPPPRandom(seed: 5)))
    }

    @Test func silentServerFailsAfterMaxConfigure() throws {
        var link = Self.silentServerClient(.default)
        link.feed(.lowerUp)
        while !link.engine.isFinished && link.now < .seconds(600) { link.fireNextTimer() }
        // RFC 1661 §4.6 defaults: 10 Configure-Requests, 3 s apart; TO- at 30 s.
        #expect(link.record.sent.count == 10)
        #expect(
            link.record.sent.allSatisfy {
                $0.pppProtocol == PPPProtocolNumber.lcp && $0.pppCode == 1
            })
        #expect(link.now == .seconds(30))
        #expect(link.record.linkDowns == [.peerNotResponding(.lcp)])
        // Every timer was cancelled with the link.
        #expect(link.record.timers.isEmpty)
    }

    @Test func silentServerHonoursConfiguredRetries() throws {
        var link = Self.silentServerClient(
            PPPNegotiationLimits(restartInterval: .milliseconds(500), maxConfigure: 4))
        link.feed(.lowerUp)
        while !link.engine.isFinished && link.now < .seconds(600) { link.fireNextTimer() }
        #expect(link.record.sent.count == 4)
        #expect(link.now == .seconds(2))
        #expect(link.record.linkDowns == [.peerNotResponding(.lcp)])
    }

    @Test func serverSilentAfterLCPFailsInIPCP() throws {
        var link = Self.silentServerClient(.default)
        let request = try #require(link.feed(.lowerUp).first)
        _ = link.feed(hex: "ff 03 c0 21 01 01 00 04")
        var ack = request
        ack[4] = 2
        _ = link.feed(.frame(ack))
        while !link.engine.isFinished && link.now < .seconds(600) { link.fireNextTimer() }
        #expect(link.record.sent(protocol: PPPProtocolNumber.ipcp).count == 10)
        #expect(link.record.linkDowns == [.peerNotResponding(.ipcp)])
    }

    @Test func serverSilentDuringPAPFailsInAuthentication() throws {
        var link = Self.silentServerClient(.default)
        let request = try #require(link.feed(.lowerUp).first)
        _ = link.feed(hex: "ff 03 c0 21 01 01 00 08 03 04 c0 23")
        var ack = request
        ack[4] = 2
        _ = link.feed(.frame(ack))
        while !link.engine.isFinished && link.now < .seconds(600) { link.fireNextTimer() }
        // Ten Authenticate-Requests 3 s apart; the 30 s authentication
        // limit ends it as they run out.
        #expect(link.record.sent(protocol: PPPProtocolNumber.pap).count == 10)
        #expect(link.record.linkDowns == [.peerNotResponding(.authentication)])
    }

    @Test func serverThatNeverChallengesHitsTheAuthenticationTimeout() throws {
        var link = Scripted(
            PPPClient(
                configuration: PPPClientConfiguration(
                    userName: "u", password: "p", requestIPv6: false,
                    authenticationTimeout: .seconds(8)),
                random: SeededPPPRandom(seed: 5)))
        let request = try #require(link.feed(.lowerUp).first)
        _ = link.feed(hex: "ff 03 c0 21 01 01 00 09 03 05 c2 23 81")
        var ack = request
        ack[4] = 2
        _ = link.feed(.frame(ack))
        #expect(link.engine.phase == .authenticate)
        link.fire(.authenticationTimeout)
        #expect(link.now == .seconds(8))
        #expect(link.engine.phase == .terminate)
        while !link.engine.isFinished && link.now < .seconds(600) { link.fireNextTimer() }
        #expect(link.record.linkDowns == [.peerNotResponding(.authentication)])
    }

    /// Every set of refused methods but "all": the method used is one the
    /// client accepts (the server's first choice when accepted, else the
    /// client's best, which its Nak names), and no frame of a refused
    /// protocol ever leaves the client.
    @Test(arguments: 0..<15)
    func refusedMethodIsNeverUsed(_ mask: Int) throws {
        let all = PPPAuthenticationMethod.allCases
        let refused = Set(all.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
        var link = LinkHarness(
            client: NegotiationTests.client(refused: refused, ipv6: false),
            server: NegotiationTests.server(
                methods: [.pap, .chapMD5, .mschapv2, .eapMSCHAPv2], ipv6: false))
        link.start()
        link.run(until: .seconds(60))
        let result = try #require(link.clientRecord.authenticated.first)
        let used = try #require(result.method)
        #expect(!refused.contains(used))
        let expected =
            refused.contains(.pap)
            ? PPPAuthenticationMethod.clientPreference.first { !refused.contains($0) } : .pap
        #expect(used == expected)
        if refused.contains(.pap) {
            #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.pap).isEmpty)
        }
        if refused.contains(.eapMSCHAPv2) {
            #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.eap).isEmpty)
        }
        if refused.contains(.chapMD5) && refused.contains(.mschapv2) {
            #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.chap).isEmpty)
        }
        #expect(link.clientRecord.ipv4.count == 1)
    }

    @Test func refusingEveryMethodFailsTheNegotiation() throws {
        var link = LinkHarness(
            client: NegotiationTests.client(refused: Set(PPPAuthenticationMethod.allCases)),
            server: NegotiationTests.server(methods: [.mschapv2, .pap]))
        link.start()
        link.run(until: .seconds(60))
        guard case .negotiationFailed(let reason) = link.serverRecord.linkDowns.first else {
            Issue.record("server ended with \(link.serverRecord.linkDowns)")
            return
        }
        #expect(reason.contains("refused every authentication method"))
        guard case .noCommonAuthenticationMethod(let offered, _, _) = link.clientRecord.linkDowns.first
        else {
            Issue.record("client ended with \(link.clientRecord.linkDowns)")
            return
        }
        // The client Rejects the option (it accepts nothing to Nak with),
        // so the server gives up after its first proposal.
        #expect(offered == [.mschapv2])
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.pap).isEmpty)
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.chap).isEmpty)
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.eap).isEmpty)
    }

    /// Loses the first frame of each kind listed, once, on the way there.
    final class LossPlan: Sendable {
        private let seen = Mutex<Set<[UInt8]>>([])
        let kinds: Set<[UInt8]>

        /// Kinds are protocol (2 bytes) + code (1 byte).
        init(_ kinds: [[UInt8]]) {
            self.kinds = Set(kinds)
        }

        var droppedCount: Int { seen.withLock { $0.count } }

        func drop(_ frame: [UInt8]) -> Bool {
            guard frame.count > 4 else { return false }
            let kind = Array(frame[2...4])
            guard kinds.contains(kind) else { return false }
            return seen.withLock { $0.insert(kind).inserted }
        }
    }

    @Test(arguments: PPPAuthenticationMethod.allCases)
    func lostPacketsAreRecovered(_ method: PPPAuthenticationMethod) throws {
        var link = LinkHarness(
            client: NegotiationTests.client(), server: NegotiationTests.server(methods: [method]))
        // Lose, once each: both first LCP requests, a Conf-Ack, the PAP
        // request, the CHAP Challenge and Response, an EAP Request and
        // Response, IPCP and IPv6CP requests and acks. Lost Successes have
        // no retransmission in RFC 1994 / RFC 3748, so those are kept.
        let toServer = LossPlan([
            [0xc0, 0x21, 1], [0xc0, 0x23, 1], [0xc2, 0x23, 2], [0xc2, 0x27, 2], [0x80, 0x21, 1],
            [0x80, 0x57, 2],
        ])
        let toClient = LossPlan([
            [0xc0, 0x21, 1], [0xc0, 0x21, 2], [0xc2, 0x23, 1], [0xc2, 0x27, 1], [0x80, 0x21, 2],
            [0x80, 0x57, 1],
        ])
        link.dropToServer = { _, frame in toServer.drop(frame) }
        link.dropToClient = { _, frame in toClient.drop(frame) }
        link.start()
        link.run(until: .seconds(120))
        #expect(link.client.ipcpState == .opened)
        #expect(link.server.ipcpState == .opened)
        #expect(link.client.ipv6cpState == .opened)
        #expect(link.clientRecord.authenticated.first?.method == method)
        #expect(link.clientRecord.ipv4.first?.local == IPv4Address(10, 0, 0, 2))
        #expect(link.clientRecord.linkDowns.isEmpty)
        // LCP, IPCP and IPv6CP frames both ways, and the method's own.
        #expect(toServer.droppedCount + toClient.droppedCount >= 7)
        // Recovery needed the Restart timer: the clock moved.
        #expect(link.now >= .seconds(3))
        if method == .mschapv2 || method == .eapMSCHAPv2 {
            #expect(
                link.clientRecord.authenticated.first?.higherLayerAuthenticationKey
                    == link.serverRecord.authenticated.first?.higherLayerAuthenticationKey)
        }
    }

    @Test func lowerLayerDownIsTheReasonWhenNothingElseHappened() throws {
        var link = Self.silentServerClient(.default)
        link.feed(.lowerUp)
        link.feed(.lowerDown)
        #expect(link.record.linkDowns == [.lowerLayerDown])
        #expect(link.record.timers.isEmpty)
        // Nothing after the terminal action.
        #expect(link.feed(.lowerUp).isEmpty)
        #expect(link.record.linkDowns.count == 1)
    }

    @Test func closeBeforeLowerUpEndsAtOnce() throws {
        var link = Self.silentServerClient(.default)
        link.feed(.close("never mind"))
        #expect(link.record.linkDowns == [.closedLocally])
        #expect(link.record.sent.isEmpty)
    }

    @Test func failureDescriptionsSayWhatToDo() {
        let failures: [PPPFailure] = [
            .authenticationFailed(message: "x"), .peerNotResponding(.lcp), .negotiationFailed("x"),
            .badIPConfiguration("x"), .terminatedByPeer(""), .terminatedByPeer("bye"),
            .loopbackDetected,
            .lowerLayerDown, .closedLocally, .cryptoUnavailable("x"),
        ]
        let texts = failures.map(\.description)
        #expect(Set(texts).count == texts.count)
        for text in texts { #expect(text.count > 20) }
    }
}

/// A refused EAP-TLS login points at the certificate, a refused password
/// login at the password.
@Suite struct AuthenticationAdviceTests {
    @Test func adviceFollowsWhatWasRefused() {
        let password = PPPFailure.authenticationFailed(message: "MS-CHAPv2 E=691")
        #expect(password.description.contains("user name and password"))
        let certificate = PPPFailure.authenticationFailed(
            message: "the server refused this client's certificate", advice: .clientCertificate)
        #expect(certificate.description.contains("--client-cert"))
        #expect(certificate.description.contains("revoked"))
        #expect(!certificate.description.contains("password"))
    }
}
