import PPP
import Testing

/// The server's EAP pass-through (RFC 3748 §2.3, RFC 3579 §2) at the PPP
/// level: what goes to the backend, what the authenticator does while it
/// waits, and the backend answers it refuses or times out on.
@Suite struct EAPPassThroughTests {
    static func server(timeout: Duration = .seconds(30)) -> PPPServer {
        PPPServer(
            configuration: PPPServerConfiguration(
                users: [:], methods: [.eapMSCHAPv2], name: "test-server",
                localIPv4: IPv4Address(10, 0, 0, 1), peerIPv4: IPv4Address(10, 0, 0, 2), ipv6: false,
                authenticationTimeout: timeout,
                eapPassThrough: EAPPassThrough(serverName: "the RADIUS server 127.0.0.1:1812")),
            random: SeededPPPRandom(seed: 2))
    }

    static func forwarded(_ record: EndpointRecord) -> [[UInt8]] {
        record.actions.compactMap { if case .eapToBackend(let p) = $0 { p } else { nil } }
    }

    /// Up to the Identity Response, which goes to the backend.
    static func linkAwaitingBackend(timeout: Duration = .seconds(30)) -> LinkHarness {
        // The client waits as long as the server does (0: no overall limit).
        let client = PPPClient(
            configuration: PPPClientConfiguration(
                userName: "alice", password: "secret", requestIPv6: false, authenticationTimeout: timeout),
            random: SeededPPPRandom(seed: 1))
        var link = LinkHarness(client: client, server: server(timeout: timeout))
        link.start()
        link.run(until: .seconds(1))
        return link
    }

    @Test func identityGoesToTheBackendOnceAndNothingIsResentWhileItWorks() {
        var link = Self.linkAwaitingBackend(timeout: .zero)
        let first = Self.forwarded(link.serverRecord)
        #expect(first.count == 1)
        // RFC 3748 §5.1: Response/Identity, the user name as Type-Data.
        #expect(first.first.map { Array($0[4...]) } == [1] + Array("alice".utf8))
        // The backend is slow: the Request is not retransmitted to the peer
        // (its Response arrived), nor is anything else sent to the backend.
        let eapSent = link.serverRecord.sent(protocol: PPPProtocolNumber.eap).count
        link.run(until: .seconds(60))
        #expect(link.serverRecord.sent(protocol: PPPProtocolNumber.eap).count == eapSent)
        #expect(Self.forwarded(link.serverRecord).count == 1)
        #expect(link.serverRecord.linkDowns.isEmpty)
    }

    @Test func aMalformedRequestFromTheBackendEndsAuthentication() {
        var link = Self.linkAwaitingBackend()
        // Code 2 (a Response) where a Request belongs, RFC 3748 §4.
        link.deliverToServer(.eapBackend(.request([2, 9, 0, 6, 26, 1])))
        link.run(until: .seconds(5))
        guard case .negotiationFailed(let reason) = link.serverRecord.linkDowns.first else {
            Issue.record("server ended with \(link.serverRecord.linkDowns)")
            return
        }
        #expect(reason.contains("malformed EAP Request"))
        #expect(link.clientRecord.authenticated.isEmpty)
    }

    @Test func aRequestTheLengthOfWhichDisagreesIsRefused() {
        var link = Self.linkAwaitingBackend()
        link.deliverToServer(.eapBackend(.request([1, 9, 0, 40, 26, 1])))
        link.run(until: .seconds(5))
        guard case .negotiationFailed = link.serverRecord.linkDowns.first else {
            Issue.record("server ended with \(link.serverRecord.linkDowns)")
            return
        }
    }

    @Test func theBackendsRequestIsRetransmittedToASilentPeerThenGivenUp() {
        var link = Self.linkAwaitingBackend(timeout: .zero)
        // The peer hears nothing more (RFC 3748 §4.3: the authenticator retransmits).
        link.dropToClient = { _, _ in true }
        let request: [UInt8] = [1, 7, 0, 6, 4, 0]  // EAP-MD5-shaped Request
        link.deliverToServer(.eapBackend(.request(request)))
        link.run(until: .seconds(600))
        let sent = link.serverRecord.sent(protocol: PPPProtocolNumber.eap).filter { Array($0[4...]) == request }
        #expect(sent.count == PPPNegotiationLimits.default.maxConfigure)
        #expect(link.serverRecord.linkDowns.first == .peerNotResponding(.authentication))
        #expect(link.serverRecord.logs.contains { $0.contains("runs EAP-MD5") })
    }

    @Test func anAnswerNobodyAskedForIsIgnored() {
        var link = Self.linkAwaitingBackend()
        link.deliverToServer(.eapBackend(.request([1, 7, 0, 6, 4, 0])))
        // A second answer while the peer has not responded: ignored.
        link.deliverToServer(.eapBackend(.accept(eap: nil, recvKey: nil, sendKey: nil)))
        #expect(link.serverRecord.authenticated.isEmpty)
        #expect(link.serverRecord.logs.contains { $0.contains("that no Response asked for") })
    }
}
