import ByteCoding
import PPP
import Testing

/// Which authentication method the client agrees to, and what it says when
/// it agrees to none (issue 16 items 3 and 14).
@Suite struct AuthenticationChoiceTests {
    static func client(
        refused: Set<PPPAuthenticationMethod> = [], unverified: Bool = false,
        allowWeak: Bool = false, ipv6: Bool = false
    ) -> PPPClient {
        var configuration = PPPClientConfiguration(
            userName: "alice", password: "secret", refusedMethods: refused, requestIPv6: ipv6)
        configuration.serverIdentityUnverified = unverified
        configuration.allowWeakAuthenticationWithoutVerification = allowWeak
        return PPPClient(configuration: configuration, random: SeededPPPRandom(seed: 5))
    }

    static func frame(_ protocolNumber: UInt16, code: UInt8, id: UInt8, _ data: [UInt8]) -> [UInt8] {
        RFCTranscriptTests.frame(protocolNumber, code: code, id: id, data)
    }

    // MARK: Item 3: no method in common

    /// A server offering only PAP and MS-CHAPv2 to a client refusing both:
    /// the client's failure names both lists (RFC 1661 §6.2: the client
    /// Naks each offer; the server runs out of methods and terminates).
    @Test func noCommonMethodNamesWhatWasOfferedAndRefused() throws {
        var link = LinkHarness(
            client: Self.client(refused: [.pap, .mschapv2]),
            server: NegotiationTests.server(methods: [.pap, .mschapv2], ipv6: false))
        link.start()
        link.run(until: .seconds(60))
        let failure = try #require(link.clientRecord.linkDowns.first)
        #expect(
            failure
                == .noCommonAuthenticationMethod(
                    offered: [.pap, .mschapv2], refused: [.mschapv2, .pap], unsupported: []))
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.pap).isEmpty)
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.chap).isEmpty)
        // The server, out of methods, may open LCP without authentication
        // before it terminates: no method ever runs.
        #expect(link.clientRecord.authenticated.allSatisfy { $0.method == nil })
        #expect(link.clientRecord.ipv4.isEmpty)
        #expect(link.clientRecord.linkDowns.count == 1)
    }

    /// A method this client does not implement (MS-CHAPv1, CHAP algorithm
    /// 0x80, RFC 2433) is named as such, and a method the server put in a
    /// Configure-Nak of our request (RFC 1661 §5.3) counts as offered.
    @Test func unsupportedOffersAndNakedMethodsAreNamed() throws {
        var link = Scripted(Self.client(refused: [.pap]))
        let request = try #require(link.feed(.lowerUp).first)
        // The server asks for MS-CHAPv1: the client Naks with MS-CHAPv2.
        let answer = link.feed(
            .frame(Self.frame(0xc021, code: 1, id: 1, [3, 5, 0xc2, 0x23, 0x80])))
        #expect(answer.first?.pppCode == 3)
        // The server Naks our request, adding Authentication-Protocol PAP.
        _ = link.feed(.frame(Self.frame(0xc021, code: 3, id: request[5], [3, 4, 0xc0, 0x23])))
        // Then it gives up (RFC 1661 §5.5 Terminate-Request).
        _ = link.feed(.frame(Self.frame(0xc021, code: 5, id: 2, [])))
        while !link.engine.isFinished, !link.record.timers.isEmpty { link.fireNextTimer() }
        let failure = try #require(link.record.linkDowns.first)
        #expect(
            failure
                == .noCommonAuthenticationMethod(
                    offered: [.pap], refused: [.pap], unsupported: ["MS-CHAPv1"]))
    }

    /// Once a method was agreed and LCP opened, a later end is reported as
    /// what it is, not as a missing common method.
    @Test func laterEndIsNotBlamedOnAuthentication() throws {
        var link = LinkHarness(
            client: Self.client(refused: [.pap]),
            server: NegotiationTests.server(methods: [.pap, .mschapv2], ipv6: false))
        link.start()
        link.run(untilUp: true)
        #expect(link.clientRecord.authenticated.first?.method == .mschapv2)
        link.deliverToServer(.close("administrative shutdown"))
        link.run(until: .seconds(60))
        guard case .terminatedByPeer = link.clientRecord.linkDowns.first else {
            Issue.record("client ended with \(link.clientRecord.linkDowns)")
            return
        }
    }

    /// RFC 1661 §5.7: a server without IPv6 Protocol-Rejects IPv6CP. IPv6
    /// stays off, the link stays up with IPv4, nothing is logged as a
    /// failed negotiation, and when the server ends the link afterwards
    /// the reason says so without any authentication hint.
    @Test func ipv6cpProtocolRejectLeavesIPv4UpWithoutAuthenticationHint() throws {
        var link = LinkHarness(
            client: Self.client(ipv6: true),
            server: NegotiationTests.server(methods: [.mschapv2], ipv6: false))
        link.start()
        link.run(until: .seconds(60))
        #expect(link.client.ipcpState == .opened)
        #expect(link.client.ipv6cpState == .stopped)
        #expect(link.clientRecord.ipv4.count == 1)
        #expect(link.clientRecord.ipv6.isEmpty)
        #expect(link.clientRecord.linkDowns.isEmpty)
        #expect(link.clientRecord.logs.contains { $0.contains("IPv6 stays off") })
        for line in link.clientRecord.logs {
            #expect(!line.lowercased().contains("authentication method"), "\(line)")
            #expect(!line.contains("negotiation failed"), "\(line)")
        }
        link.deliverToServer(.close("going down"))
        link.run(until: .seconds(120))
        let failure = try #require(link.clientRecord.linkDowns.first)
        guard case .terminatedByPeer = failure else {
            Issue.record("client ended with \(failure)")
            return
        }
        #expect(!"\(failure)".lowercased().contains("authentication"))
    }

    // MARK: Item 14: weak methods to an unverified server

    /// PAP offered, certificate checking off: the client refuses PAP and
    /// CHAP-MD5 (it Naks with MS-CHAPv2) and ends with the typed failure.
    @Test(arguments: [PPPAuthenticationMethod.pap, .chapMD5])
    func weakMethodToUnverifiedServerIsRefused(_ method: PPPAuthenticationMethod) throws {
        var link = LinkHarness(
            client: Self.client(unverified: true),
            server: NegotiationTests.server(methods: [method], ipv6: false))
        link.start()
        link.run(until: .seconds(60))
        let failure = try #require(link.clientRecord.linkDowns.first)
        #expect(failure == .weakAuthenticationWithoutVerification(offered: [method]))
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.pap).isEmpty)
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.chap).isEmpty)
        #expect(link.clientRecord.authenticated.allSatisfy { $0.method == nil })
        #expect(link.clientRecord.ipv4.isEmpty)
    }

    /// The strong methods still work with checking off.
    @Test func strongMethodToUnverifiedServerIsUsed() throws {
        var link = LinkHarness(
            client: Self.client(unverified: true),
            server: NegotiationTests.server(methods: [.pap, .mschapv2], ipv6: false))
        link.start()
        link.run(untilUp: true)
        #expect(link.clientRecord.authenticated.first?.method == .mschapv2)
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.pap).isEmpty)
    }

    /// Allowed explicitly: PAP is used, with a warning.
    @Test func allowedWeakMethodIsUsedWithAWarning() throws {
        var link = LinkHarness(
            client: Self.client(unverified: true, allowWeak: true),
            server: NegotiationTests.server(methods: [.pap], ipv6: false))
        link.start()
        link.run(untilUp: true)
        #expect(link.clientRecord.authenticated.first?.method == .pap)
        #expect(link.clientRecord.ipv4.count == 1)
        #expect(link.clientRecord.warnings.contains { $0.contains("PAP") && $0.contains("clear") })
    }

    /// PAP with the certificate checked: used, and still a warning.
    @Test func papIsAlwaysWarnedAbout() throws {
        var link = LinkHarness(
            client: Self.client(),
            server: NegotiationTests.server(methods: [.pap], ipv6: false))
        link.start()
        link.run(untilUp: true)
        #expect(link.clientRecord.authenticated.first?.method == .pap)
        #expect(link.clientRecord.warnings.count == 1)
    }

    @Test func noWarningForMSCHAPv2() throws {
        var link = LinkHarness(
            client: Self.client(),
            server: NegotiationTests.server(methods: [.mschapv2], ipv6: false))
        link.start()
        link.run(untilUp: true)
        #expect(link.clientRecord.authenticated.first?.method == .mschapv2)
        #expect(link.clientRecord.warnings.isEmpty)
    }

    @Test func acceptedMethodsFollowTheVerificationRule() {
        var configuration = PPPClientConfiguration(userName: "u", password: "p")
        #expect(configuration.acceptedMethods == [.mschapv2, .eapMSCHAPv2, .chapMD5, .pap])
        configuration.serverIdentityUnverified = true
        #expect(configuration.acceptedMethods == [.mschapv2, .eapMSCHAPv2])
        #expect(configuration.refusedAsWeak == [.chapMD5, .pap])
        configuration.allowWeakAuthenticationWithoutVerification = true
        #expect(configuration.acceptedMethods == [.mschapv2, .eapMSCHAPv2, .chapMD5, .pap])
        #expect(configuration.refusedAsWeak.isEmpty)
    }
}
