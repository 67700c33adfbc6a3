import PPP
import SSTPCall
import SSTPSession
import SSTPWire
import XCTest

/// A client call against a server call in memory (issue 13): every
/// authentication method, IPv4 and IPv6, every way the call ends, over a
/// transport that splits or joins the byte stream anywhere.
final class CallTests: XCTestCase {
    static let methods: [PPPAuthenticationMethod] = [.pap, .chapMD5, .mschapv2, .eapMSCHAPv2]
    static let ipv4Packet: [UInt8] = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1]
    static let ipv6Packet: [UInt8] = [0x60] + [UInt8](repeating: 0, count: 39)

    private func assertConnected(_ pair: CallPair, ipv6: Bool, _ context: String, line: UInt = #line) {
        XCTAssertNil(pair.clientEnd, context, line: line)
        XCTAssertNil(pair.serverEnd, context, line: line)
        XCTAssertTrue(pair.clientProgress.contains(.callConnected), context, line: line)
        XCTAssertTrue(pair.server.cryptoBindingVerified, "\(context): the server verified the binding", line: line)
        XCTAssertEqual(pair.clientIPv4?.local, CallPair.clientAddress, context, line: line)
        XCTAssertEqual(pair.clientIPv4?.dns, [IPv4Address(10, 0, 0, 53)], context, line: line)
        XCTAssertEqual(pair.clientIPv6 != nil, ipv6, context, line: line)
    }

    func testEveryMethodEveryDeliveryIPv4AndIPv6() {
        for method in Self.methods {
            for delivery in [Delivery.whole, .byteAtATime, .coalesced] {
                for ipv6 in [false, true] {
                    let context = "\(method) \(delivery) ipv6=\(ipv6)"
                    var pair = CallPair(methods: [method], ipv6: ipv6, delivery: delivery)
                    pair.connect()
                    assertConnected(pair, ipv6: ipv6, context)
                    let authenticated = pair.clientProgress.compactMap { p -> PPPAuthenticationMethod? in
                        if case .authenticated(let r) = p { return r.method }
                        return nil
                    }
                    XCTAssertEqual(authenticated, [method], context)
                    XCTAssertTrue(pair.clientSendsIP(Self.ipv4Packet), context)
                    XCTAssertTrue(pair.serverSendsIP(Self.ipv4Packet), context)
                    XCTAssertEqual(pair.serverReceived, [Self.ipv4Packet], context)
                    XCTAssertEqual(pair.clientReceived, [Self.ipv4Packet], context)
                    XCTAssertEqual(pair.clientSendsIP(Self.ipv6Packet), ipv6, "\(context): IPv6 only with IPv6CP")
                    if ipv6 { XCTAssertEqual(pair.serverReceived.last, Self.ipv6Packet, context) }
                }
            }
        }
    }

    func testExternalPPPBackendConnectsAndBindsWithItsKeys() {
        for method in Self.methods {
            var pair = CallPair(methods: [method], external: true, delivery: .byteAtATime)
            pair.connect()
            assertConnected(pair, ipv6: true, "external \(method)")
            XCTAssertTrue(pair.clientSendsIP(Self.ipv4Packet))
            XCTAssertEqual(pair.serverReceived, [Self.ipv4Packet])
        }
    }

    /// MS-SSTP 3.3.5.2.3 / 3.2.5.2: no data frame passes before the call is
    /// connected, and none for a protocol whose NCP is not open.
    func testNoDataBeforeCallConnected() {
        var pair = CallPair()
        XCTAssertFalse(pair.clientSendsIP(Self.ipv4Packet), "nothing may be sent before the call starts")
        // The client's CALL_CONNECTED is held back: PPP (IPCP included)
        // completes, but the server has not verified the binding yet.
        pair.holdCallConnected = true
        pair.connect()
        XCTAssertNotNil(pair.clientIPv4, "IPCP opened")
        XCTAssertTrue(pair.server.ipv4Open)
        XCTAssertFalse(pair.server.cryptoBindingVerified)
        XCTAssertTrue(pair.clientSendsIP(Self.ipv4Packet))
        XCTAssertEqual(pair.serverReceived, [], "a data frame before CALL_CONNECTED must be dropped")
        XCTAssertFalse(pair.serverSendsIP(Self.ipv4Packet), "the server sends none either")
        pair.holdCallConnected = false
        for packet in pair.held { pair.enqueue(toServer: packet) }
        pair.run()
        XCTAssertTrue(pair.server.cryptoBindingVerified)
        XCTAssertTrue(pair.clientSendsIP(Self.ipv4Packet))
        XCTAssertEqual(pair.serverReceived, [Self.ipv4Packet])
        // IPv6CP was not asked for: IPv6 stays closed on both sides.
        var v4only = CallPair(ipv6: false)
        v4only.connect()
        v4only.enqueue(toServer: CallPair.dataPacket(Self.ipv6Packet, protocolNumber: PPPProtocolNumber.ipv6))
        v4only.run()
        XCTAssertEqual(v4only.serverReceived, [], "no IPv6 without IPv6CP")
    }

    func testRequestedDisconnectEndsBothWithoutFailure() {
        for external in [false, true] {
            var pair = CallPair(external: external)
            pair.connect()
            pair.applyClient(pair.client.disconnect(now: pair.now))
            pair.run()
            pair.runUntilEnded()
            XCTAssertEqual(pair.clientEnd?.requested, true)
            XCTAssertNil(pair.clientEnd?.failure, "external=\(external): \(String(describing: pair.clientEnd))")
            XCTAssertNotNil(pair.serverEnd, "external=\(external)")
            XCTAssertFalse(pair.clientSendsIP(Self.ipv4Packet), "no data after the end")
        }
    }

    func testServerDisconnectIsReportedToTheClient() {
        var pair = CallPair()
        pair.connect()
        pair.applyServer(pair.server.disconnect(now: pair.now))
        pair.run()
        pair.runUntilEnded()
        XCTAssertEqual(pair.clientEnd?.failure, .sstp(.disconnectedByPeer))
        XCTAssertEqual(pair.serverEnd?.requested, true)
    }

    func testServerAbortIsReportedWithItsStatus() {
        var pair = CallPair()
        pair.connect()
        pair.applyServer(pair.server.abort("test", status: .negotiationTimeout, now: pair.now))
        pair.run()
        pair.runUntilEnded()
        guard case .sstp(.abortedByPeer(let info))? = pair.clientEnd?.failure else {
            return XCTFail("\(String(describing: pair.clientEnd))")
        }
        XCTAssertEqual(info?.status, .negotiationTimeout)
    }

    func testWrongPasswordIsAnAuthenticationFailureForEveryMethod() {
        for method in Self.methods {
            for external in [false, true] {
                var pair = CallPair(methods: [method], password: "wrong", external: external)
                pair.connect()
                pair.runUntilEnded()
                guard case .ppp(.authenticationFailed)? = pair.clientEnd?.failure else {
                    XCTFail("\(method) external=\(external): \(String(describing: pair.clientEnd))")
                    continue
                }
                XCTAssertFalse(pair.clientProgress.contains(.callConnected))
                XCTAssertNotNil(pair.serverEnd)
            }
        }
    }

    func testNoCommonMethodEndsWithAPPPFailure() {
        var pair = CallPair(methods: [.pap], refused: [.pap])
        pair.connect()
        pair.runUntilEnded()
        guard case .ppp? = pair.clientEnd?.failure else {
            return XCTFail("\(String(describing: pair.clientEnd))")
        }
        XCTAssertNil(pair.clientIPv4)
    }

    /// MS-SSTP 3.3.5.2.3: a Compound MAC that does not verify aborts the call
    /// with the Crypto Binding attribute named; the client reports it.
    func testWrongCryptoBindingIsRejected() {
        var pair = CallPair(corruptBinding: true)
        pair.connect()
        pair.runUntilEnded()
        guard case .sstp(.cryptoBindingRejected)? = pair.clientEnd?.failure else {
            return XCTFail("\(String(describing: pair.clientEnd))")
        }
        XCTAssertFalse(pair.server.cryptoBindingVerified)
        XCTAssertEqual(pair.serverReceived, [])
    }

    /// MS-SSTP 3.1.2: a silent peer is dropped after two hello intervals.
    func testSilentServerIsNoticedByTheHelloTimer() {
        var pair = CallPair(hello: .seconds(10))
        pair.connect()
        let connectedAt = pair.now
        pair.serverSilent = true
        while pair.clientEnd == nil, pair.fireNextTimer(upTo: connectedAt + .seconds(60)) {}
        XCTAssertEqual(pair.clientEnd?.failure, .sstp(.peerNotResponding))
        XCTAssertGreaterThanOrEqual(pair.now - connectedAt, .seconds(20))
        XCTAssertLessThanOrEqual(pair.now - connectedAt, .seconds(21))
    }

    /// The transport breaking at any byte of the set-up or of the data
    /// phase ends both calls at once, each exactly once, with the transport
    /// named (3.1.7.2) unless PPP's own failure came first.
    func testTransportCutAtEveryPointEndsBothCalls() {
        var whole = CallPair(delivery: .byteAtATime)
        whole.cutAfterBytes = Int.max
        whole.connect()
        let total = Int.max - (whole.cutAfterBytes ?? 0)
        XCTAssertGreaterThan(total, 100)
        for cut in stride(from: 0, to: total, by: 7) {
            var pair = CallPair(delivery: .byteAtATime)
            pair.cutAfterBytes = cut
            pair.connect()
            XCTAssertNotNil(pair.clientEnd, "cut at \(cut)")
            XCTAssertNotNil(pair.serverEnd, "cut at \(cut)")
            guard case .sstp(.transportClosed)? = pair.clientEnd?.failure else {
                XCTFail("cut at \(cut): \(String(describing: pair.clientEnd))")
                continue
            }
            XCTAssertFalse(pair.clientSendsIP(Self.ipv4Packet), "cut at \(cut)")
        }
    }

    /// A transport that garbles any one byte of CALL_CONNECT_REQUEST: the
    /// stream no longer delineates, the packet is invalid (the call ends on
    /// both sides), or the server NAKs it and the client's retry connects
    /// (3.3.5.2.2); never a trap, never a call left half open.
    func testCorruptedConnectRequestEndsOrRecovers() {
        var reference = CallPair()
        reference.applyClient(reference.client.start(now: reference.now))
        let length = reference.toServer.count
        XCTAssertEqual(length, 14, "CALL_CONNECT_REQUEST with its one attribute (2.2.9)")
        var recovered = 0
        for position in 0..<length {
            var pair = CallPair()
            pair.applyServer(pair.server.start(now: pair.now))
            pair.applyClient(pair.client.start(now: pair.now))
            pair.toServer[position] ^= 0xff
            pair.chunksToServer = [pair.toServer]
            pair.run()
            if pair.server.cryptoBindingVerified {
                recovered += 1
                XCTAssertNil(pair.clientEnd, "garbled byte \(position)")
                XCTAssertTrue(pair.clientSendsIP(Self.ipv4Packet), "garbled byte \(position)")
                continue
            }
            pair.runUntilEnded()
            XCTAssertNotNil(pair.serverEnd, "garbled byte \(position)")
            XCTAssertNotNil(pair.clientEnd?.failure, "garbled byte \(position)")
        }
        // The header and message type end the call; the attribute's ID and
        // protocol value are NAKed and the retry connects.
        XCTAssertGreaterThan(recovered, 0)
        XCTAssertLessThan(recovered, length)
    }
}
