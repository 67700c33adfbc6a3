import ByteCoding
import PPP
import SSTPCrypto
import Testing

/// Our client against our server, in process, through the fake clock and a
/// lossless fake link.
@Suite struct NegotiationTests {
    static let users = ["alice": "secret", "CORP\\bob": "hunter2", "carol": "pässwörd"]

    static func server(methods: [PPPAuthenticationMethod], ipv6: Bool = true, seed: UInt64 = 2)
        -> PPPServer
    {
        PPPServer(
            configuration: PPPServerConfiguration(
                users: users, methods: methods, name: "test-server",
                localIPv4: IPv4Address(10, 0, 0, 1),
                peerIPv4: IPv4Address(10, 0, 0, 2),
                dns: [IPv4Address(192, 0, 2, 53), IPv4Address(192, 0, 2, 54)],
                nbns: [IPv4Address(192, 0, 2, 137)], ipv6: ipv6),
            random: SeededPPPRandom(seed: seed))
    }

    static func client(
        user: String = "alice", password: String = "secret",
        refused: Set<PPPAuthenticationMethod> = [],
        ipv6: Bool = true, nbns: Bool = false, seed: UInt64 = 1
    ) -> PPPClient {
        PPPClient(
            configuration: PPPClientConfiguration(
                userName: user, password: password, refusedMethods: refused, requestIPv6: ipv6,
                requestNBNS: nbns),
            random: SeededPPPRandom(seed: seed))
    }

    /// Runs a whole negotiation and checks what both ends must agree on.
    func negotiate(
        _ method: PPPAuthenticationMethod, user: String = "alice", password: String = "secret"
    ) throws -> LinkHarness {
        var link = LinkHarness(
            client: Self.client(user: user, password: password),
            server: Self.server(methods: [method]))
        link.start()
        link.run(until: .seconds(60))

        // Both Opened, nothing failed.
        #expect(link.client.lcpState == .opened)
        #expect(link.server.lcpState == .opened)
        #expect(link.client.ipcpState == .opened)
        #expect(link.server.ipcpState == .opened)
        #expect(link.client.ipv6cpState == .opened)
        #expect(link.server.ipv6cpState == .opened)
        #expect(link.client.phase == .network)
        #expect(link.clientRecord.linkDowns.isEmpty)
        #expect(link.serverRecord.linkDowns.isEmpty)

        // Authentication with the one method, once on each side.
        let clientAuth = try #require(link.clientRecord.authenticated.first)
        let serverAuth = try #require(link.serverRecord.authenticated.first)
        #expect(link.clientRecord.authenticated.count == 1)
        #expect(clientAuth.method == method)
        #expect(serverAuth.method == method)
        #expect(serverAuth.userName == user)

        // The client got what the server assigned.
        let v4 = try #require(link.clientRecord.ipv4.first)
        #expect(v4.local == IPv4Address(10, 0, 0, 2))
        #expect(v4.peer == IPv4Address(10, 0, 0, 1))
        #expect(v4.dns == [IPv4Address(192, 0, 2, 53), IPv4Address(192, 0, 2, 54)])
        #expect(v4.mtu == 1400)
        let serverV4 = try #require(link.serverRecord.ipv4.first)
        #expect(serverV4.local == IPv4Address(10, 0, 0, 1))
        #expect(serverV4.peer == IPv4Address(10, 0, 0, 2))

        // IPv6: each end's local identifier is the other's peer identifier.
        let clientV6 = try #require(link.clientRecord.ipv6.first)
        let serverV6 = try #require(link.serverRecord.ipv6.first)
        #expect(clientV6.localInterfaceIdentifier.count == 8)
        #expect(clientV6.localInterfaceIdentifier != [UInt8](repeating: 0, count: 8))
        #expect(clientV6.localInterfaceIdentifier != serverV6.localInterfaceIdentifier)
        #expect(clientV6.peerInterfaceIdentifier == serverV6.localInterfaceIdentifier)
        #expect(serverV6.peerInterfaceIdentifier == clientV6.localInterfaceIdentifier)

        // `.authenticated` precedes `.ipv4Up` (SSTP's Call Connected first).
        let authIndex = try #require(
            link.clientRecord.actions.firstIndex {
                if case .authenticated = $0 { true } else { false }
            })
        let upIndex = try #require(
            link.clientRecord.actions.firstIndex { if case .ipv4Up = $0 { true } else { false } })
        #expect(authIndex < upIndex)

        // Never a password in a log line.
        for line in link.clientRecord.logs + link.serverRecord.logs {
            #expect(!line.contains(password))
        }
        return link
    }

    @Test func pap() throws {
        let link = try negotiate(.pap)
        let result = try #require(link.clientRecord.authenticated.first)
        #expect(result.mppeKeys == nil)
        #expect(result.higherLayerAuthenticationKey == .zero)
    }

    @Test func chapMD5() throws {
        let link = try negotiate(.chapMD5)
        #expect(link.clientRecord.authenticated.first?.higherLayerAuthenticationKey == .zero)
        #expect(link.serverRecord.authenticated.first?.mppeKeys == nil)
    }

    @Test func mschapv2BothEndsDeriveTheSameKeys() throws {
        let link = try negotiate(.mschapv2)
        let client = try #require(link.clientRecord.authenticated.first?.mppeKeys)
        let server = try #require(link.serverRecord.authenticated.first?.mppeKeys)
        #expect(client.masterKey == server.masterKey)
        #expect(client.masterSendKey == server.masterReceiveKey)
        #expect(client.masterReceiveKey == server.masterSendKey)
        let clientHLAK = try #require(
            link.clientRecord.authenticated.first?.higherLayerAuthenticationKey)
        #expect(clientHLAK == HigherLayerAuthenticationKey.mschapv2Client(client))
        #expect(clientHLAK == link.serverRecord.authenticated.first?.higherLayerAuthenticationKey)
        #expect(clientHLAK != .zero)
        // No key bytes in any log line.
        for line in link.clientRecord.logs + link.serverRecord.logs {
            #expect(!line.lowercased().contains(client.masterSendKey.hexString))
        }
    }

    @Test func mschapv2WithDomainUser() throws {
        let link = try negotiate(.mschapv2, user: "CORP\\bob", password: "hunter2")
        #expect(link.clientRecord.authenticated.first?.mppeKeys != nil)
    }

    @Test func mschapv2WithNonASCIIPassword() throws {
        _ = try negotiate(.mschapv2, user: "carol", password: "pässwörd")
    }

    @Test func eapMSCHAPv2BothEndsDeriveTheSameKeys() throws {
        let link = try negotiate(.eapMSCHAPv2)
        let client = try #require(link.clientRecord.authenticated.first)
        let server = try #require(link.serverRecord.authenticated.first)
        #expect(client.mppeKeys?.masterSendKey == server.mppeKeys?.masterReceiveKey)
        #expect(client.higherLayerAuthenticationKey == server.higherLayerAuthenticationKey)
        #expect(client.higherLayerAuthenticationKey != .zero)
        // EAP was really used: EAP frames went both ways, no CHAP ones.
        #expect(!link.clientRecord.sent(protocol: PPPProtocolNumber.eap).isEmpty)
        #expect(link.clientRecord.sent(protocol: PPPProtocolNumber.chap).isEmpty)
    }

    @Test func ipv4OnlyWhenIPv6IsOff() throws {
        var link = LinkHarness(
            client: Self.client(ipv6: false), server: Self.server(methods: [.pap]))
        link.start()
        link.run(until: .seconds(60))
        #expect(link.client.ipcpState == .opened)
        #expect(link.client.ipv6cpState == nil)
        #expect(link.clientRecord.ipv6.isEmpty)
        #expect(link.clientRecord.linkDowns.isEmpty)
    }

    @Test func serverWithoutIPv6ProtocolRejectsIPv6CP() throws {
        var link = LinkHarness(
            client: Self.client(), server: Self.server(methods: [.pap], ipv6: false))
        link.start()
        link.run(until: .seconds(60))
        #expect(link.client.ipcpState == .opened)
        // RFC 1661 §5.7: the Protocol-Reject stops IPv6CP at once.
        #expect(link.client.ipv6cpState == .stopped)
        #expect(link.clientRecord.ipv6.isEmpty)
        #expect(link.clientRecord.linkDowns.isEmpty)
        let rejects = link.serverRecord.sent(protocol: PPPProtocolNumber.lcp).filter {
            $0.pppCode == 8
        }
        #expect(rejects.count == 1)
        #expect(rejects.first.map { Array($0[8...9]) } == [0x80, 0x57])
    }

    @Test func nbnsWhenRequested() throws {
        var link = LinkHarness(
            client: Self.client(nbns: true), server: Self.server(methods: [.pap]))
        link.start()
        link.run(until: .seconds(60))
        let v4 = try #require(link.clientRecord.ipv4.first)
        // One NBNS configured: the server Rejects Secondary-NBNS.
        #expect(v4.nbns == [IPv4Address(192, 0, 2, 137)])
    }

    @Test func administrativeCloseEndsBothEnds() throws {
        var link = LinkHarness(client: Self.client(), server: Self.server(methods: [.mschapv2]))
        link.start()
        link.run(until: .seconds(60))
        link.deliverToClient(.close("user disconnect"))
        link.run(until: .seconds(120))
        #expect(link.clientRecord.linkDowns == [.closedLocally])
        #expect(link.client.isFinished)
        // The server saw our Terminate-Request, acked it, then went down.
        #expect(link.serverRecord.linkDowns.count == 1)
        if case .terminatedByPeer(let reason) = link.serverRecord.linkDowns.first {
            #expect(reason == "user disconnect")
        } else {
            Issue.record("server ended with \(link.serverRecord.linkDowns)")
        }
        // Exactly one terminal action, and nothing after it.
        #expect(link.client.handle(.lowerDown, now: link.now).isEmpty)
    }
}
