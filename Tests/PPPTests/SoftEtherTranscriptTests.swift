import ByteCoding
import PPP
import SSTPCrypto
import Testing

/// The real SoftEther 4.44 exchange of /work/shared/notes/softether-exchange.md,
/// the server's frames fed byte for byte to our client.
@Suite struct SoftEtherTranscriptTests {
    static func client(refused: Set<PPPAuthenticationMethod> = [], ipv6: Bool = false) -> Scripted<
        PPPClient
    > {
        Scripted(
            PPPClient(
                configuration: PPPClientConfiguration(
                    userName: "alice@SSTP", password: "secret", refusedMethods: refused, mru: 1500,
                    requestIPv6: ipv6),
                random: SeededPPPRandom(seed: 7)))
    }

    /// Our first LCP Configure-Request, and the magic number in it.
    static func openingRequest(_ link: inout Scripted<PPPClient>) throws -> (
        frame: [UInt8], magic: [UInt8]
    ) {
        let sent = link.feed(.lowerUp)
        let request = try #require(sent.first)
        #expect(sent.count == 1)
        // MRU 1500 is the default, so only the Magic-Number is asked for.
        #expect(Array(request.prefix(8)) == [0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x0a])
        #expect(Array(request[8...9]) == [0x05, 0x06])
        return (request, Array(request[10...13]))
    }

    /// LCP up the way SoftEther does it: its PAP request, its Reject of our magic.
    static func openLCP(_ link: inout Scripted<PPPClient>, expectAck: Bool = true) throws {
        let (_, magic) = try openingRequest(&link)
        let ack = link.feed(hex: "ff 03 c0 21 01 00 00 08 03 04 c0 23")
        if expectAck { #expect(ack == [[UInt8](hex: "ff 03 c0 21 02 00 00 08 03 04 c0 23")!]) }
        // Conf-Reject id 1: Magic-Number (RFC 1661 §5.4) → a request without it.
        let retry = link.feed(.frame([UInt8](hex: "ff 03 c0 21 04 01 00 0a 05 06")! + magic))
        #expect(retry == [[UInt8](hex: "ff 03 c0 21 01 02 00 04")!])
        _ = link.feed(hex: "ff 03 c0 21 02 02 00 04")
    }

    @Test func papTranscript() throws {
        var link = Self.client()
        try Self.openLCP(&link)
        #expect(link.engine.lcpState == .opened)

        // LCP open: the PAP request of the transcript, byte for byte.
        let papRequest = link.record.sent.last
        #expect(
            papRequest == [UInt8](hex: "ff 03 c0 23 01 01 00 16 0a")! + Array("alice@SSTP".utf8) + [
                0x06
            ]
                + Array("secret".utf8))

        // Authenticate-Ack with an empty message → authenticated, zero HLAK,
        // then IPCP asks for IP, DNS1 and DNS2 as 0.0.0.0.
        let afterAuth = link.feed(hex: "ff 03 c0 23 02 01 00 04")
        let result = try #require(link.record.authenticated.first)
        #expect(result.method == .pap)
        #expect(result.higherLayerAuthenticationKey == .zero)
        #expect(
            afterAuth == [
                [UInt8](
                    hex: "ff 03 80 21 01 01 00 16 03 06 00000000 81 06 00000000 83 06 00000000")!
            ])

        // Its IPCP request with the dummy 1.0.0.1 is acknowledged as is.
        #expect(
            link.feed(hex: "ff 03 80 21 01 01 00 0a 03 06 01 00 00 01") == [
                [UInt8](hex: "ff 03 80 21 02 01 00 0a 03 06 01 00 00 01")!
            ])
        // Conf-Reject of Secondary-DNS → ask again without it.
        #expect(
            link.feed(hex: "ff 03 80 21 04 01 00 0a 83 06 00 00 00 00") == [
                [UInt8](hex: "ff 03 80 21 01 02 00 10 03 06 00000000 81 06 00000000")!
            ])
        // Conf-Nak with the address and DNS it assigns → ask for those.
        #expect(
            link.feed(hex: "ff 03 80 21 03 02 00 10 03 06 c0 a8 1e 0a 81 06 c0 a8 1e 01")
                == [[UInt8](hex: "ff 03 80 21 01 03 00 10 03 06 c0 a8 1e 0a 81 06 c0 a8 1e 01")!])
        _ = link.feed(hex: "ff 03 80 21 02 03 00 10 03 06 c0 a8 1e 0a 81 06 c0 a8 1e 01")
        let v4 = try #require(link.record.ipv4.first)
        #expect(v4.local == IPv4Address(192, 168, 30, 10))
        #expect(v4.peer == IPv4Address(1, 0, 0, 1))
        #expect(v4.dns == [IPv4Address(192, 168, 30, 1)])
        #expect(link.engine.ipcpState == .opened)

        // Its LCP echo with magic 0 and "Aho Baka Manuke\0": our reply
        // carries magic 0 too (Magic-Number was rejected) and the same data.
        let payload = Array("Aho Baka Manuke".utf8) + [0]
        let reply = link.feed(
            .frame([UInt8](hex: "ff 03 c0 21 09 02 00 18 00 00 00 00")! + payload))
        #expect(reply == [[UInt8](hex: "ff 03 c0 21 0a 02 00 18 00 00 00 00")! + payload])

        // Server-initiated teardown: Terminate-Request, then CALL_DISCONNECT.
        #expect(
            link.feed(hex: "ff 03 c0 21 05 02 00 04") == [[UInt8](hex: "ff 03 c0 21 06 02 00 04")!])
        #expect(link.record.actions.contains(.ipv4Down))
        link.feed(.lowerDown)
        #expect(link.record.linkDowns == [.terminatedByPeer("")])
    }

    @Test func mschapv2AfterNakOfPAP() throws {
        var link = Self.client(refused: [.pap])
        let (_, magic) = try Self.openingRequest(&link)
        // "Nak its PAP request with 03 05 c2 23 81": exactly what we send.
        #expect(
            link.feed(hex: "ff 03 c0 21 01 00 00 08 03 04 c0 23") == [
                [UInt8](hex: "ff 03 c0 21 03 00 00 09 03 05 c2 23 81")!
            ])
        // "The server re-asks with ff 03 c0 21 01 01 00 09 03 05 c2 23 81".
        #expect(
            link.feed(hex: "ff 03 c0 21 01 01 00 09 03 05 c2 23 81") == [
                [UInt8](hex: "ff 03 c0 21 02 01 00 09 03 05 c2 23 81")!
            ])
        _ = link.feed(.frame([UInt8](hex: "ff 03 c0 21 04 01 00 0a 05 06")! + magic))
        _ = link.feed(hex: "ff 03 c0 21 02 02 00 04")
        #expect(link.engine.phase == .authenticate)

        // Its Challenge: id 0, 16-byte value, name "vm".
        let challenge = [UInt8](repeating: 0x5a, count: 16)
        let sent = link.feed(
            .frame([UInt8](hex: "ff 03 c2 23 01 00 00 17 10")! + challenge + Array("vm".utf8)))
        let response = try #require(sent.first)
        // RFC 2759 §4: Value-Size 49, then Peer-Challenge, 8 zero bytes,
        // NT-Response, Flags 0, then the user name.
        #expect(Array(response.prefix(6)) == [0xff, 0x03, 0xc2, 0x23, 0x02, 0x00])
        #expect(response[8] == 49)
        let value = Array(response[9..<58])
        #expect(Array(value[16..<24]) == [UInt8](repeating: 0, count: 8))
        #expect(value[48] == 0)
        #expect(Array(response[58...]) == Array("alice@SSTP".utf8))
        let peerChallenge = Array(value[0..<16])
        let hash = try MSCHAPv2.ntPasswordHash(password: "secret")
        let nt = try MSCHAPv2.generateNTResponse(
            authenticatorChallenge: challenge, peerChallenge: peerChallenge, userName: "alice@SSTP",
            passwordHash: hash)
        #expect(Array(value[24..<48]) == nt)

        // The server's Success with the right authenticator response.
        let s = try MSCHAPv2.generateAuthenticatorResponse(
            passwordHash: hash, ntResponse: nt, peerChallenge: peerChallenge,
            authenticatorChallenge: challenge,
            userName: "alice@SSTP")
        var success = PPPFrame.serialize(
            protocolNumber: 0xc223,
            information: [0x03, 0x00, 0x00, 0x00] + Array((s + " M=Welcome").utf8))
        success[6] = UInt8((success.count - 4) >> 8)
        success[7] = UInt8((success.count - 4) & 0xff)
        let ipcp = link.feed(.frame(success))
        let result = try #require(link.record.authenticated.first)
        #expect(result.method == .mschapv2)
        let expectedKeys = try MPPEKeys(passwordHash: hash, ntResponse: nt, role: .client)
        #expect(result.mppeKeys == expectedKeys)
        #expect(result.higherLayerAuthenticationKey == .mschapv2Client(expectedKeys))
        #expect(ipcp.first?.pppProtocol == PPPProtocolNumber.ipcp)
    }

    @Test func wrongAuthenticatorResponseFailsTheLogin() throws {
        var link = Self.client(refused: [.pap])
        let (_, magic) = try Self.openingRequest(&link)
        _ = link.feed(hex: "ff 03 c0 21 01 01 00 09 03 05 c2 23 81")
        _ = link.feed(.frame([UInt8](hex: "ff 03 c0 21 04 01 00 0a 05 06")! + magic))
        _ = link.feed(hex: "ff 03 c0 21 02 02 00 04")
        _ = link.feed(
            .frame(
                [UInt8](hex: "ff 03 c2 23 01 07 00 17 10")! + [UInt8](repeating: 1, count: 16)
                    + Array("vm".utf8)))
        // A well-formed but wrong "S=": the server does not know the password.
        let bogus = "S=" + String(repeating: "0", count: 40) + " M=ok"
        let frame =
            [UInt8](hex: "ff 03 c2 23 03 07")! + [0x00, UInt8(4 + bogus.utf8.count)]
            + Array(bogus.utf8)
        let sent = link.feed(.frame(frame))
        #expect(link.record.authenticated.isEmpty)
        // The link terminates: LCP Terminate-Request, no IPCP.
        #expect(sent.contains { $0.pppProtocol == PPPProtocolNumber.lcp && $0.pppCode == 5 })
        #expect(!sent.contains { $0.pppProtocol == PPPProtocolNumber.ipcp })
        let terminate = try #require(sent.first { $0.pppCode == 5 })
        _ = link.feed(.frame([0xff, 0x03, 0xc0, 0x21, 0x06, terminate[5], 0x00, 0x04]))
        guard case .authenticationFailed(let message, _) = link.record.linkDowns.first else {
            Issue.record("ended with \(link.record.linkDowns)")
            return
        }
        #expect(message.contains("authenticator response"))
    }

    @Test func refusingBothOfferedMethodsEndsWithThePeersTermination() throws {
        var link = Self.client(refused: [.pap, .mschapv2])
        _ = try Self.openingRequest(&link)
        // PAP refused: Nak with the next accepted method, EAP (c2 27).
        #expect(
            link.feed(hex: "ff 03 c0 21 01 00 00 08 03 04 c0 23") == [
                [UInt8](hex: "ff 03 c0 21 03 00 00 08 03 04 c2 27")!
            ])
        // MS-CHAPv2 refused as well.
        #expect(
            link.feed(hex: "ff 03 c0 21 01 01 00 09 03 05 c2 23 81") == [
                [UInt8](hex: "ff 03 c0 21 03 01 00 08 03 04 c2 27")!
            ])
        // SoftEther gives up: Terminate-Request, then CALL_DISCONNECT.
        #expect(
            link.feed(hex: "ff 03 c0 21 05 02 00 04") == [[UInt8](hex: "ff 03 c0 21 06 02 00 04")!])
        link.feed(.lowerDown)
        // The end names what the server offered and what the client
        // refuses, not a bare termination (issue 16 item 3).
        #expect(
            link.record.linkDowns == [
                .noCommonAuthenticationMethod(
                    offered: [.pap, .mschapv2], refused: [.mschapv2, .pap], unsupported: [])
            ])
        // A refused method is never used.
        #expect(link.record.sent(protocol: PPPProtocolNumber.pap).isEmpty)
        #expect(link.record.sent(protocol: PPPProtocolNumber.chap).isEmpty)
    }

    @Test func ipv6CPProtocolRejectedLikeSoftEtherWould() throws {
        var link = Self.client(ipv6: true)
        try Self.openLCP(&link)
        let sent = link.feed(hex: "ff 03 c0 23 02 01 00 04")
        let ipv6cp = try #require(sent.first { $0.pppProtocol == PPPProtocolNumber.ipv6cp })
        // SoftEther supports LCP, PAP, CHAP, IPCP and IPv4 only (§3 of the note).
        let information = Array(ipv6cp[4...])
        var reject: [UInt8] = [0xff, 0x03, 0xc0, 0x21, 0x08, 0x09]
        reject.appendUInt16(UInt16(4 + 2 + information.count))
        reject += [0x80, 0x57] + information
        #expect(link.feed(.frame(reject)).isEmpty)
        #expect(link.engine.ipv6cpState == .stopped)
        #expect(link.engine.ipcpState == .requestSent)
        #expect(link.record.linkDowns.isEmpty)
    }
}
