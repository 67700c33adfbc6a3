import SSTPCrypto
import SSTPWire
import Testing

@testable import SSTPSession

@Suite struct SessionTests {
    static let hlak = HigherLayerAuthenticationKey(keyMaterial: Array(1...32))

    @Test func connectsAndVerifiesTheBinding() {
        var link = Link()
        link.start()
        #expect(link.sentByClient.first == .callConnectRequest(CallConnectRequest()))
        #expect(link.pppStarted.client && link.pppStarted.server)
        #expect(link.client.state == .connectAckReceived)
        #expect(!link.client.dataFramesAllowed)
        link.authenticate(client: Self.hlak, server: Self.hlak)
        #expect(link.clientConnected && link.serverConnected)
        #expect(link.server.cryptoBindingVerified)
        #expect(link.client.hashProtocol == .sha256)
        #expect(link.client.dataFramesAllowed && link.server.dataFramesAllowed)
        #expect(link.clientClosed == nil && link.serverClosed == nil)
    }

    @Test func sha1WhenOnlySHA1IsOffered() {
        var serverConfig = SSTPServerSession.Configuration(certificateDER: Link.certificate)
        serverConfig.offeredHashes = .sha1
        var link = Link(server: serverConfig)
        link.start()
        link.authenticate(client: .zero, server: .zero)
        #expect(link.client.hashProtocol == .sha1)
        #expect(link.server.cryptoBindingVerified)
    }

    @Test func wrongKeysAreAbortedWithTheSpecStatus() {
        var link = Link()
        link.start()
        link.authenticate(client: .zero, server: Self.hlak)
        // §3.3.5.2.3: CALL_ABORT with (CRYPTO_BINDING, VALUE_NOT_SUPPORTED).
        let abort = link.sentByServer.last { if case .callAbort = $0 { true } else { false } }
        #expect(
            abort == .callAbort(CallAbort(statusInfo: .init(attribID: 3, status: .valueNotSupported))))
        #expect(!link.server.cryptoBindingVerified)
        link.runTimers()
        #expect(link.clientClosed == .cryptoBindingRejected(.init(attribID: 3, status: .valueNotSupported)))
        if case .abortedLocally(let why, _)? = link.serverClosed {
            #expect(why.contains("Compound MAC"))
        } else {
            Issue.record("server closed with \(String(describing: link.serverClosed))")
        }
    }

    @Test func corruptedBindingSwitchIsCaught() {
        var clientConfig = SSTPClientSession.Configuration(certificateDER: Link.certificate)
        clientConfig.corruptCryptoBinding = true
        var link = Link(client: clientConfig)
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        link.runTimers()
        #expect(link.clientClosed == .cryptoBindingRejected(.init(attribID: 3, status: .valueNotSupported)))
    }

    @Test func anotherCertificateIsCaught() {
        // A TLS-intercepting proxy shows the client another certificate.
        var link = Link(client: .init(certificateDER: Array("proxy certificate".utf8)))
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        link.runTimers()
        if case .abortedLocally(let why, _)? = link.serverClosed {
            #expect(why.contains("certificate hash"))
        } else {
            Issue.record("server closed with \(String(describing: link.serverClosed))")
        }
    }

    @Test func serverFaultKnobExpectsWrongBinding() {
        var serverConfig = SSTPServerSession.Configuration(certificateDER: Link.certificate)
        serverConfig.expectWrongCryptoBinding = true
        var link = Link(server: serverConfig)
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        link.runTimers()
        #expect(link.clientClosed == .cryptoBindingRejected(.init(attribID: 3, status: .valueNotSupported)))
    }

    @Test func callConnectedBeforeServerAuthIsHeldThenChecked() {
        var link = Link()
        link.start()
        link.applyClient(link.client.pppAuthenticated(hlak: Self.hlak, now: link.now))
        link.deliver()
        #expect(!link.serverConnected)
        link.applyServer(link.server.pppAuthenticated(hlak: Self.hlak, now: link.now))
        #expect(link.serverConnected)
    }

    @Test func clientDisconnectIsAcknowledged() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        link.applyClient(link.client.disconnect(now: link.now))
        link.deliver()
        #expect(link.sentByClient.last == .callDisconnect(.windowsStyle))
        #expect(link.sentByServer.last == .callDisconnectAck(CallDisconnectAck()))
        #expect(link.clientClosed == .disconnectedLocally)
        link.runTimers()
        #expect(link.serverClosed == .disconnectedByPeer)
    }

    @Test func disconnectWithoutAckEndsAfterTimer1() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        link.dropToClient = { if case .callDisconnectAck = $0 { true } else { false } }
        link.applyClient(link.client.disconnect(now: link.now))
        link.deliver()
        #expect(link.clientClosed == nil)
        let start = link.now
        link.runTimers()
        #expect(link.clientClosed == .disconnectedLocally)
        #expect(link.now - start == .seconds(5))
    }

    @Test func disconnectCollision() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        // Both send CALL_DISCONNECT before either arrives.
        link.applyClient(link.client.disconnect(now: link.now))
        link.applyServer(link.server.disconnect(now: link.now))
        link.deliver()
        link.runTimers()
        #expect(link.clientClosed != nil && link.serverClosed != nil)
        #expect(link.sentByClient.contains(.callDisconnectAck(CallDisconnectAck())))
        #expect(link.sentByServer.contains(.callDisconnectAck(CallDisconnectAck())))
    }

    @Test func helloSendsEchoAndIdlePeerIsDropped() {
        var serverConfig = SSTPServerSession.Configuration(certificateDER: Link.certificate)
        serverConfig.ignoreEchoRequests = true
        serverConfig.timers.hello = .seconds(1000)
        var link = Link(server: serverConfig)
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        let connectedAt = link.now
        link.runTimers(limit: 2)
        #expect(link.sentByClient.contains(.echoRequest(EchoRequest())))
        // §3.1.2: two silent hello intervals, then drop without CALL_ABORT.
        #expect(link.clientClosed == .peerNotResponding)
        #expect(link.now - connectedAt == .seconds(120))
        #expect(!link.sentByClient.contains { if case .callAbort = $0 { true } else { false } })
    }

    @Test func echoesKeepTheCallUp() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        link.runTimers(limit: 10)
        #expect(link.clientClosed == nil && link.serverClosed == nil)
        #expect(link.sentByServer.contains(.echoResponse(EchoResponse())))
    }

    @Test func dataTrafficPostponesTheEcho() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        link.now = .seconds(59)
        link.client.noteReceived(now: link.now)
        link.now = .seconds(60)
        link.applyClient(link.client.timerExpired(.hello, now: link.now))
        #expect(!link.sentByClient.contains(.echoRequest(EchoRequest())))
        #expect(link.clientTimers[.hello] == .seconds(119))
    }

    @Test func nakRetriesThenAbort() {
        // A server that NAKs every request, as it would for another protocol.
        var link = Link()
        link.applyClient(link.client.start(now: link.now))
        let nak = CallConnectNak(statusInfos: [.init(attribID: 1, status: .valueNotSupported, attribValue: [0, 1])])
        for _ in 0..<4 {
            link.toServer.removeAll()
            link.applyClient(link.client.receivedControlPacket(nak.serialized(), now: link.now))
        }
        let requests = link.sentByClient.filter { $0 == .callConnectRequest(CallConnectRequest()) }
        #expect(requests.count == 4)
        #expect(
            link.sentByClient.last == .callAbort(CallAbort(statusInfo: .init(attribID: 0, status: .retryCountExceeded)))
        )
        link.runTimers()
        #expect(link.clientClosed == .connectRefused(nak.statusInfos))
    }

    @Test func serverNaksAnotherProtocolAndBadRequests() {
        var link = Link()
        link.applyServer(link.server.start(now: link.now))
        let other = CallConnectRequest(encapsulatedProtocol: .init(protocolID: 2))
        link.applyServer(link.server.receivedControlPacket(other.serialized(), now: link.now))
        #expect(
            link.sentByServer.last
                == .callConnectNak(
                    .init(statusInfos: [.init(attribID: 1, status: .valueNotSupported, attribValue: [0, 2])])))
        // Duplicate attribute (§3.3.5.2.2).
        let dup: [UInt8] = [0x10, 0x01, 0x00, 0x14, 0x00, 0x01, 0x00, 0x02, 0, 1, 0, 6, 0, 1, 0, 1, 0, 6, 0, 1]
        link.applyServer(link.server.receivedControlPacket(dup, now: link.now))
        #expect(
            link.sentByServer.last
                == .callConnectNak(.init(statusInfos: [.init(attribID: 1, status: .duplicateAttribute)])))
        // No attribute at all.
        let none: [UInt8] = [0x10, 0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00]
        link.applyServer(link.server.receivedControlPacket(none, now: link.now))
        #expect(
            link.sentByServer.last
                == .callConnectNak(.init(statusInfos: [.init(attribID: 2, status: .requiredAttributeMissing)])))
        // The fourth bad request: RETRY_COUNT_EXCEEDED.
        link.applyServer(link.server.receivedControlPacket(none, now: link.now))
        #expect(
            link.sentByServer.last == .callAbort(.init(statusInfo: .init(attribID: 0, status: .retryCountExceeded))))
    }

    @Test func negotiationTimeouts() {
        var link = Link()
        link.dropToClient = { _ in true }
        link.start()
        link.runTimers()
        #expect(link.clientClosed == .negotiationTimeout("CALL_CONNECT_ACK"))
        var silent = Link()
        silent.start()
        silent.runTimers()
        // Nobody authenticates: both sides give up after 60 s.
        #expect(silent.clientClosed == .negotiationTimeout("PPP authentication"))
        #expect(silent.serverClosed != nil)
    }

    @Test func unexpectedMessagesAbort() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        // A second CALL_CONNECT_ACK once connected breaks §3.2.5.3.
        let ack = CallConnectAck(cryptoBindingRequest: .init(hashProtocols: .sha1, nonce: Link.nonce))
        link.applyClient(link.client.receivedControlPacket(ack.serialized(), now: link.now))
        #expect(
            link.sentByClient.last
                == .callAbort(.init(statusInfo: .init(attribID: 0, status: .unacceptedFrameReceived))))
        link.deliver()
        link.runTimers()
        #expect(link.serverClosed == .abortedByPeer(.init(attribID: 0, status: .unacceptedFrameReceived)))
        if case .abortedLocally? = link.clientClosed {
        } else {
            Issue.record("client closed with \(String(describing: link.clientClosed))")
        }
    }

    @Test func noSupportedHashAborts() {
        var clientConfig = SSTPClientSession.Configuration(certificateDER: Link.certificate)
        clientConfig.supportedHashes = .sha1
        var serverConfig = SSTPServerSession.Configuration(certificateDER: Link.certificate)
        serverConfig.offeredHashes = .sha256
        var link = Link(client: clientConfig, server: serverConfig)
        link.start()
        #expect(link.sentByClient.last == .callAbort(.init(statusInfo: .init(attribID: 4, status: .valueNotSupported))))
    }

    @Test func transportLossClosesAtOnceWithoutSending() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        let sent = link.sentByClient.count
        link.applyClient(link.client.transportClosed("TLS: connection reset"))
        #expect(link.clientClosed == .transportClosed("TLS: connection reset"))
        #expect(link.sentByClient.count == sent)
    }

    /// PyPI's sstpd (0.6.0) rejects a wrong binding with CALL_ABORT whose
    /// Status Info is 8 bytes long (the Status alone): the client still
    /// reports the peer's abort and its status (found in Tests/e2e/test_interop.py).
    @Test func sstpdShortStatusInfoAbortIsReported() {
        var link = Link()
        link.start()
        link.authenticate(client: Self.hlak, server: Self.hlak)
        let sstpdAbort: [UInt8] = [
            0x10, 0x01, 0x00, 0x10, 0x00, 0x05, 0x00, 0x01,
            0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07,
        ]
        link.applyClient(link.client.receivedControlPacket(sstpdAbort, now: link.now))
        link.runTimers()
        #expect(link.clientClosed == .abortedByPeer(.init(attribID: 0, status: .invalidFrameReceived)))
        #expect(link.clientClosed?.description.contains("ATTRIB_STATUS_INVALID_FRAME_RECEIVED") == true)
    }

    @Test func closeReasonsReadAsAdvice() {
        let reason = SSTPCloseReason.abortedByPeer(.init(attribID: 3, status: .valueNotSupported))
        #expect(reason.description.contains("ATTRIB_STATUS_VALUE_NOT_SUPPORTED"))
        #expect(reason.description.contains("SSTP_ATTRIB_CRYPTO_BINDING"))
    }
}
