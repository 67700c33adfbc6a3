import RADIUS
import Testing

/// The pass-through authenticator against a scripted RADIUS server signed
/// with our own codec (whose bytes RADIUSVectorTests checks against Python).
@Suite struct RADIUSEAPRelayTests {
    static let secret: [UInt8] = Array("relay-secret".utf8)
    let config = RADIUSEAPRelay.Configuration(secret: secret, nasIdentifier: "test-nas", framedMTU: 1400)

    func authenticator(_ n: UInt8) -> [UInt8] { [UInt8](repeating: n, count: 16) }

    func sent(_ actions: [RADIUSEAPRelay.Action]) -> [UInt8]? {
        for case .sendToRADIUS(let bytes) in actions { return bytes }
        return nil
    }

    func reply(
        to request: [UInt8], code: UInt8, attributes: [RADIUSAttribute], secret: [UInt8] = secret
    ) throws -> [UInt8] {
        let parsed = try RADIUSAuthentication.verifyRequest(request[...], secret: secret)
        let packet = RADIUSPacket(code: code, identifier: parsed.identifier, authenticator: [], attributes: attributes)
        return try RADIUSAuthentication.signResponse(
            packet, requestAuthenticator: parsed.authenticator, secret: secret)
    }

    @Test func identityChallengeAcceptWithKeys() throws {
        var relay = RADIUSEAPRelay(configuration: config)
        let identityPacket: [UInt8] = [2, 1, 0, 10, 1] + Array("alice".utf8)
        let first = relay.handle(.eapResponse(identityPacket, authenticator: authenticator(1)), now: .zero)
        let request1 = try #require(sent(first))
        let parsed1 = try RADIUSAuthentication.verifyRequest(request1[...], secret: Self.secret)
        #expect(parsed1.first(RADIUSAttributeType.userName) == Array("alice".utf8))
        #expect(try RADIUSEAP.eapPacket(of: parsed1) == identityPacket)
        #expect(first.contains(.setTimer(.seconds(3))))

        // Access-Challenge with an EAP-TLS Start and a State.
        let start: [UInt8] = [1, 2, 0, 6, 13, 0x20]
        let challenge = try reply(
            to: request1, code: RADIUSCode.accessChallenge,
            attributes: RADIUSEAP.eapMessageAttributes(start) + [
                RADIUSAttribute(type: RADIUSAttributeType.state, value: [9, 9])
            ])
        #expect(relay.handle(.radiusDatagram(challenge), now: .seconds(1)) == [.cancelTimer, .sendToPeer(start)])

        // The next Response carries the State back (RFC 2865 §5.24).
        let hello: [UInt8] = [2, 2, 0, 8, 13, 0x00, 0x16, 0x03]
        let request2 = try #require(
            sent(relay.handle(.eapResponse(hello, authenticator: authenticator(2)), now: .seconds(1))))
        let parsed2 = try RADIUSAuthentication.verifyRequest(request2[...], secret: Self.secret)
        #expect(parsed2.first(RADIUSAttributeType.state) == [9, 9])
        #expect(parsed2.identifier != parsed1.identifier)

        // Access-Accept with EAP-Success and encrypted MS-MPPE keys.
        let recv = [UInt8](repeating: 0xAA, count: 32)
        let send = [UInt8](repeating: 0xBB, count: 32)
        let attrs = [
            RADIUSEAP.eapMessageAttributes([3, 2, 0, 4])[0],
            RADIUSMPPEKey.vendorAttribute(
                type: RADIUSMPPEKey.recvKeyType,
                data: try RADIUSMPPEKey.encrypt(
                    recv, salt: [0x81, 2], secret: Self.secret, requestAuthenticator: parsed2.authenticator)),
            RADIUSMPPEKey.vendorAttribute(
                type: RADIUSMPPEKey.sendKeyType,
                data: try RADIUSMPPEKey.encrypt(
                    send, salt: [0x82, 3], secret: Self.secret, requestAuthenticator: parsed2.authenticator)),
        ]
        let accept = try reply(to: request2, code: RADIUSCode.accessAccept, attributes: attrs)
        #expect(
            relay.handle(.radiusDatagram(accept), now: .seconds(2)) == [
                .cancelTimer, .sendToPeer([3, 2, 0, 4]), .accepted(recvKey: recv, sendKey: send),
            ])
        #expect(relay.isFinished)
    }

    @Test func rejectWithoutEAPMessageBecomesEAPFailure() throws {
        var relay = RADIUSEAPRelay(configuration: config)
        let request = try #require(
            sent(relay.handle(.eapResponse([2, 5, 0, 6, 1, 0x62], authenticator: authenticator(3)), now: .zero)))
        let reject = try reply(
            to: request, code: RADIUSCode.accessReject,
            attributes: [RADIUSAttribute(type: RADIUSAttributeType.replyMessage, string: "revoked")])
        #expect(
            relay.handle(.radiusDatagram(reject), now: .zero) == [
                .cancelTimer, .sendToPeer([4, 5, 0, 4]), .rejected(replyMessage: "revoked"),
            ])
    }

    @Test func forgedOrStaleResponsesAreDropped() throws {
        var relay = RADIUSEAPRelay(configuration: config)
        let request = try #require(
            sent(relay.handle(.eapResponse([2, 5, 0, 6, 1, 0x62], authenticator: authenticator(3)), now: .zero)))
        let parsed = try RADIUSAuthentication.verifyRequest(request[...], secret: Self.secret)
        // Signed with another secret: dropped, still waiting.
        let packet = RADIUSPacket(
            code: RADIUSCode.accessAccept, identifier: parsed.identifier, authenticator: [],
            attributes: RADIUSEAP.eapMessageAttributes([3, 5, 0, 4]))
        let forged = try RADIUSAuthentication.signResponse(
            packet, requestAuthenticator: parsed.authenticator, secret: Array("wrong".utf8))
        guard case .log = relay.handle(.radiusDatagram(forged), now: .zero).first else {
            Issue.record("a forged Accept was not dropped")
            return
        }
        // Another Identifier: dropped.
        var stale = try RADIUSAuthentication.signResponse(
            packet, requestAuthenticator: parsed.authenticator, secret: Self.secret)
        stale[1] &+= 1
        guard case .log = relay.handle(.radiusDatagram(stale), now: .zero).first else {
            Issue.record("a stale answer was not dropped")
            return
        }
        #expect(!relay.isFinished)
    }

    @Test func retransmitsThenGivesUp() throws {
        var relay = RADIUSEAPRelay(
            configuration: .init(secret: Self.secret, nasIdentifier: "n", framedMTU: 1400, maxRetransmissions: 2))
        let request = try #require(
            sent(relay.handle(.eapResponse([2, 5, 0, 6, 1, 0x62], authenticator: authenticator(3)), now: .zero)))
        // RFC 2865 §2.5: the same bytes each time.
        #expect(relay.handle(.timerFired, now: .seconds(3)) == [.sendToRADIUS(request), .setTimer(.seconds(6))])
        #expect(relay.handle(.timerFired, now: .seconds(6)) == [.sendToRADIUS(request), .setTimer(.seconds(9))])
        guard case .failed = relay.handle(.timerFired, now: .seconds(9)).first else {
            Issue.record("no failure after the last retransmission")
            return
        }
        #expect(relay.isFinished)
    }
}
