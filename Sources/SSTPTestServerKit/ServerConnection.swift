import Glibc
import PPP
import SSTPCall
import SSTPCrypto
import SSTPDataPlane
import SSTPHTTP
import SSTPPlatform
import SSTPSession
import SSTPStream
import SSTPTLS
import SSTPWire

/// One client of the test server: TLS, the HTTP request, then the pure
/// `SSTPServerCall` (the server SSTP state machine and a PPP server),
/// mirroring ClientTunnel.
final class ServerConnection {
    enum Stage {
        case handshake
        case http
        case running
        case closed
    }

    enum TimerKey: Hashable {
        case call(CallTimer)
        case fault
        case rekey
        case handshakeDeadline
        case loginDeadline
    }

    unowned let server: SSTPServer
    let stream: TLSStream
    let peer: SocketAddress
    private var stage = Stage.handshake
    private var httpParser = HTTPRequestParser()
    private var call: SSTPServerCall
    private let timers: KeyedTimers<TimerKey>
    private(set) var assigned: IPv4Address?
    private(set) var peerInterfaceID: [UInt8]?
    private var dataPackets = 0
    private var silenced = false
    private var user = "?"
    private var rekeys = 0
    /// The AQM this client's packets wait in (ServerOptions.queueManagement).
    private var uplink: UplinkQueue?
    /// The EAP conversation with the RADIUS server (ServerOptions.radius).
    private var radius: RADIUSLink?

    var loop: EventLoop { server.loop }
    var faults: ServerOptions.Faults { server.options.faults }

    init(server: SSTPServer, transport: any ByteTransport, peer: SocketAddress) throws(TLSError) {
        self.server = server
        self.peer = peer
        let connection = try server.tls.accept(transport: transport)
        stream = TLSStream(transport: transport, tls: connection, loop: server.loop)
        if server.options.queueManagement {
            stream.notSentLowWater = Int32(UnsentPacer.initialBudget)
            stream.pacer = UnsentPacer()
            stream.receiveWindow = ReceiveWindowClamp()
        }
        timers = KeyedTimers(loop: server.loop)
        var config = SSTPServerSession.Configuration(certificateDER: server.tls.localCertificateDER)
        config.offeredHashes = server.options.offeredHashes
        config.timers = server.options.sstpTimers
        config.expectWrongCryptoBinding = server.options.faults.wrongCryptoBinding
        config.ignoreEchoRequests = server.options.faults.ignoreEchoes
        let nonce = (try? SystemRandom.bytes(32)) ?? Array(repeating: 0x5a, count: 32)
        call = SSTPServerCall(session: config, nonce: nonce, random: SystemPPPRandom())
    }

    func start() {
        stream.delegate = self
        do {
            try loop.add(fd: stream.fd, events: .readable) { _ in }
        } catch {
            log("cannot watch the connection: \(error)")
            finish()
            return
        }
        // Deadlines before login (issue 16 item 15): nobody holds a
        // connection forever without logging in.
        let options = server.options
        timers.set(.handshakeDeadline, after: options.handshakeTimeout) { [weak self] in
            guard let self else { return }
            self.server.drop(
                self,
                "at the handshake deadline (TLS and the HTTP request within \(Self.seconds(options.handshakeTimeout)), --handshake-timeout)"
            )
        }
        timers.set(.loginDeadline, after: options.loginTimeout) { [weak self] in
            guard let self else { return }
            self.server.drop(
                self,
                "at the login deadline (PPP authentication within \(Self.seconds(options.loginTimeout)) of the accept, --login-timeout)"
            )
        }
        stream.start()
    }

    static func seconds(_ duration: Duration) -> String {
        let ms = Int(duration / .milliseconds(1))
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }

    private func log(_ line: String) {
        server.log("\(peer) [\(user)]: \(line)")
    }

    // MARK: - HTTP

    private func httpReceived(_ bytes: UnsafeRawBufferPointer) {
        let parsed: (head: HTTPRequestHead, consumed: Int)?
        do {
            parsed = try httpParser.feed(bytes)
        } catch {
            log("bad HTTP request: \(error)")
            stream.enqueue(SSTPDuplexPost.errorResponse(status: 400, reason: "Bad Request"))
            stream.flush()
            finish()
            return
        }
        guard let (head, consumed) = parsed else { return }
        timers.cancel(.handshakeDeadline)
        if let (status, reason) = SSTPDuplexPost.check(request: head) {
            log("refusing \(head.method) \(head.target): \(status) \(reason)")
            stream.enqueue(SSTPDuplexPost.errorResponse(status: status, reason: reason))
            stream.flush()
            finish()
            return
        }
        if let status = faults.httpStatus {
            log("fault: answering HTTP \(status)")
            stream.enqueue(SSTPDuplexPost.errorResponse(status: status, reason: "Fault Injected"))
            stream.flush()
            finish()
            return
        }
        let rest = consumed < bytes.count ? Array(bytes[consumed...]) : []
        if let delay = faults.slowHandshake {
            stage = .running
            timers.set(.fault, after: delay) { [weak self] in self?.acceptCall(rest) }
        } else {
            acceptCall(rest)
        }
    }

    private func acceptCall(_ rest: [UInt8]) {
        stage = .running
        stream.enqueue(SSTPDuplexPost.okResponse(date: Self.httpDate()))
        stream.flush()
        apply(call.start(now: loop.now))
        if !rest.isEmpty { rest.withUnsafeBytes { sstpReceived($0) } }
    }

    static func httpDate() -> String {
        var t = time(nil)
        var tmValue = tm()
        gmtime_r(&t, &tmValue)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &tmValue)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: - SSTP and data

    private func sstpReceived(_ bytes: UnsafeRawBufferPointer) {
        if silenced { return }
        let limit = faults.abortAfterPackets
        var faultAbort = false
        let actions = call.receive(bytes, now: loop.now) { data in
            switch data {
            case .ipv4(let packet), .ipv6(let packet):
                guard !faultAbort else { return }
                dataPackets += 1
                if let limit, dataPackets >= limit {
                    faultAbort = true
                    return
                }
                server.writeToTUN(packet, joining: stream)
            case .externalPPP:
                break
            }
        }
        apply(actions)
        if faultAbort {
            log("fault: aborting after \(dataPackets) data packets")
            apply(call.abort("fault injected after \(dataPackets) packets", now: loop.now))
        }
        server.flushTUNWrites(stream)
    }

    /// Queues an IP packet from the TUN for this client (a TCP superpacket
    /// from a TUN with offload is split into segments); false if it was
    /// dropped (not up, the queue is full, or a superpacket it cannot split).
    func queue(packet: UnsafeRawBufferPointer, header: VirtioNetHeader = VirtioNetHeader(), ipv6: Bool) -> Bool {
        guard stage == .running, !silenced, call.outboundProtocol(ipVersion: ipv6 ? 6 : 4) != nil else { return false }
        let needed =
            header.gsoType == VirtioNetHeader.gsoNone
            ? packet.count + OutboundBatch.headerLength
            : OutboundBatch.segmentedLength(of: packet, header: header) ?? 0
        guard needed > 0 else { return false }
        if server.options.queueManagement {
            let queue =
                uplink
                ?? UplinkQueue(slots: server.options.queueSlots, mtu: server.options.mtu, split: server.splitBuffer)
            uplink = queue
            if queue.mustQueue(stream, room: needed) {
                let number = ipv6 ? PPPProtocolNumber.ipv6 : PPPProtocolNumber.ipv4
                return queue.enqueue(packet: packet, header: header, protocolNumber: number, now: loop.now)
            }
        }
        if stream.out.spaceForNextPacket + OutboundBatch.headerLength < needed {
            stream.flush()
            guard stream.out.spaceForNextPacket + OutboundBatch.headerLength >= needed else { return false }
        }
        let added = stream.out.append(
            packet: packet, header: header,
            protocolNumber: ipv6 ? PPPProtocolNumber.ipv6 : PPPProtocolNumber.ipv4)
        if stream.out.count >= TLSConnection.maxRecordPayload { stream.flush() }
        return added > 0
    }

    func flush() {
        stream.flush()
    }

    // MARK: - Actions

    private func apply(_ actions: [CallAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                if silenced { continue }
                stream.enqueue(bytes)
                stream.flush()
            case .setTimer(let timer, let deadline):
                timers.set(.call(timer), at: deadline) { [weak self] in
                    guard let self else { return }
                    self.apply(self.call.timerExpired(timer, now: self.loop.now))
                }
            case .cancelTimer(let timer):
                timers.cancel(.call(timer))
            case .progress(let progress):
                report(progress)
            case .ipv4Up(let config):
                server.register(self, ipv4: config.peer ?? assigned ?? config.local)
                log("IPCP up: client \(assigned.map { "\($0)" } ?? "?")")
                if faults.silentAfterConnect {
                    log("fault: going silent")
                    silenced = true
                }
                if let delay = faults.disconnectAfter {
                    timers.set(.fault, after: delay) { [weak self] in
                        self?.log("fault: sending CALL_DISCONNECT")
                        self?.disconnect()
                    }
                }
            case .ipv6Up(let config):
                if let id = config.peerInterfaceIdentifier {
                    peerInterfaceID = id
                    server.register(self, interfaceID: id)
                }
                log("IPv6CP up")
            case .ipv4Down, .ipv6Down:
                // The call stops that protocol's packets itself.
                break
            case .startExternalPPP, .externalCallConnected, .stopExternalPPP, .externalLowerDown:
                // The server runs the built-in authenticator only.
                break
            case .ended(let end):
                if let failure = end.ppp { log("PPP ended: \(failure)") }
                log("call ended: \(end.sstp)")
                finish()
            case .log(let line), .warning(let line):
                log(line)
            case .eapToBackend(let response):
                relayToRADIUS(response)
            }
        }
    }

    /// Pass-through EAP (RFC 3579): the Response goes to the RADIUS server,
    /// its answer back into the call.
    private func relayToRADIUS(_ response: [UInt8]) {
        guard let settings = server.options.radius else {
            log("EAP pass-through without --radius")
            apply(call.eapBackend(.unreachable("no RADIUS server is configured"), now: loop.now))
            return
        }
        let link =
            radius
            ?? RADIUSLink(settings: settings, loop: loop, log: { [weak self] in self?.log($0) }) {
                [weak self] answer in
                guard let self else { return }
                self.apply(self.call.eapBackend(answer, now: self.loop.now))
            }
        radius = link
        link.forward(response)
    }

    private func report(_ progress: CallProgress) {
        switch progress {
        case .sstpNegotiated:
            startPPP()
            if faults.malformedPacket {
                log("fault: sending a malformed control packet")
                stream.enqueue([0x10, 0x01, 0x00, 0x08, 0x00, 0xff, 0x00, 0x00])
                stream.flush()
            }
        case .pppPhase:
            break
        case .authenticated(let result):
            user = result.userName ?? "?"
            timers.cancel(.loginDeadline)
            server.loggedIn(self)
            if result.method == .eapMSCHAPv2, let radius = server.options.radius {
                // Pass-through: the method ran between the client and RADIUS.
                log("authenticated with EAP through \(radius.name)")
            } else {
                log("authenticated with \(result.method.map { "\($0)" } ?? "no authentication")")
            }
        case .callConnected:
            log("Crypto binding is valid; call connected")
        }
    }

    /// SSTP asked for PPP: pick the client's address, start the authenticator.
    private func startPPP() {
        guard let address = server.allocateAddress() else {
            log("address pool exhausted")
            apply(call.abort("address pool exhausted", now: loop.now))
            return
        }
        assigned = address
        let options = server.options
        let config = PPPServerConfiguration(
            users: options.users, methods: options.methods, name: "sstp-test-server",
            localIPv4: options.localAddress, peerIPv4: address, dns: options.dns, ipv6: options.ipv6,
            mru: options.mtu, eapPassThrough: options.radius?.passThrough)
        apply(call.startPPP(config, now: loop.now))
    }

    // MARK: - The end

    func disconnect() {
        apply(call.disconnect(now: loop.now))
    }

    /// Ends the connection quietly (the server logs a summary): the cap,
    /// the descriptor limit or a deadline before login.
    func drop() {
        finish()
    }

    private func finish() {
        guard stage != .closed else { return }
        stage = .closed
        timers.cancelAll()
        radius?.close()
        radius = nil
        stream.flush()
        stream.close()
        server.closed(self)
    }
}

extension ServerConnection: TLSStreamDelegate {
    func streamEstablished(_ stream: TLSStream) {
        stage = .http
        if let every = server.options.renegotiateEvery {
            timers.set(.rekey, after: every) { [weak self] in self?.rekey(every: every) }
        }
    }

    /// `--renegotiate-every`: one more re-key, once the last one finished.
    private func rekey(every: Duration) {
        guard stage != .closed else { return }
        if stream.tls.negotiatedVersion == .tls13 {
            rekeys += 1
            log("TLS 1.3 key update \(rekeys) sent")
            stream.rekey()
        } else if stream.tls.renegotiationPending {
            log("TLS renegotiation \(rekeys) still under way")
        } else {
            if rekeys > 0 { log("TLS renegotiation \(rekeys) finished") }
            if rekeys == 0, let identity = faults.renegotiationIdentity {
                do {
                    try stream.tls.replaceIdentity(certificateChainFile: identity.chain, privateKeyFile: identity.key)
                    log("fault: renegotiating with the certificate in \(identity.chain)")
                } catch {
                    log("fault: cannot use \(identity.chain): \(error)")
                }
            }
            rekeys += 1
            log("TLS renegotiation \(rekeys) started")
            stream.rekey()
        }
        guard stage != .closed else { return }
        timers.set(.rekey, after: every) { [weak self] in self?.rekey(every: every) }
    }

    func stream(_ stream: TLSStream, received bytes: UnsafeRawBufferPointer) {
        switch stage {
        case .http: httpReceived(bytes)
        case .running: sstpReceived(bytes)
        default: break
        }
    }

    func streamDrained(_ stream: TLSStream) {
        uplink?.drain(stream, now: loop.now)
    }

    func streamClosed(_ stream: TLSStream, error: TLSError?) {
        if stage == .handshake {
            log("TLS handshake failed: \(error.map { "\($0)" } ?? "closed")")
        } else if let error, case .renegotiationFailed = error {
            log("\(error)")
        }
        apply(call.transportClosed(error.map { "\($0)" } ?? "the client closed the connection", now: loop.now))
        finish()
    }
}
