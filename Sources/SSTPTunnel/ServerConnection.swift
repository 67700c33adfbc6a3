import Glibc
import PPP
import SSTPCrypto
import SSTPDataPlane
import SSTPHTTP
import SSTPPlatform
import SSTPSession
import SSTPTLS
import SSTPWire

/// One client of the test server: TLS, the HTTP request, the server SSTP
/// state machine and a PPP server, mirroring ClientTunnel.
final class ServerConnection {
    enum Stage {
        case handshake
        case http
        case running
        case closed
    }

    enum TimerKey: Hashable {
        case sstp(SSTPTimer)
        case ppp(PPPTimer)
        case fault
    }

    unowned let server: SSTPServer
    let stream: TLSStream
    let peer: SocketAddress
    private var stage = Stage.handshake
    private var httpParser = HTTPRequestParser()
    private var session: SSTPServerSession
    private var ppp: PPPServer?
    private var deframer = SSTPDeframer()
    private let timers: KeyedTimers<TimerKey>
    private(set) var assigned: IPv4Address?
    private(set) var peerInterfaceID: [UInt8]?
    private var ipv4Up = false
    private var ipv6Up = false
    private var dataPackets = 0
    private var silenced = false
    private var user = "?"

    var loop: EventLoop { server.loop }
    var faults: ServerOptions.Faults { server.options.faults }

    init(server: SSTPServer, fd: Int32, peer: SocketAddress) throws(TLSError) {
        self.server = server
        self.peer = peer
        let connection = try server.tls.accept(socket: fd)
        stream = TLSStream(fd: fd, tls: connection, loop: server.loop)
        timers = KeyedTimers(loop: server.loop)
        var config = SSTPServerSession.Configuration(certificateDER: server.tls.localCertificateDER)
        config.offeredHashes = server.options.offeredHashes
        config.timers = server.options.sstpTimers
        config.expectWrongCryptoBinding = server.options.faults.wrongCryptoBinding
        config.ignoreEchoRequests = server.options.faults.ignoreEchoes
        let nonce = (try? SystemRandom.bytes(32)) ?? Array(repeating: 0x5a, count: 32)
        session = SSTPServerSession(configuration: config, nonce: nonce)
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
        stream.start()
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
        apply(session.start(now: loop.now))
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
        let now = loop.now
        session.noteReceived(now: now)
        do {
            try deframer.feed(bytes) { frame in
                if frame.isControl {
                    apply(session.receivedControlPacket(Array(frame.bytes), now: now))
                } else {
                    pppFrameReceived(frame.body)
                }
            }
        } catch let error as SSTPWireError {
            log("stream is not SSTP: \(error)")
            apply(session.delineationFailed(error))
        } catch {
            apply(session.delineationFailed(.emptyDataPacket))
        }
        server.flushTUNWrites(stream)
    }

    private func pppFrameReceived(_ frame: UnsafeRawBufferPointer) {
        guard let (protocolNumber, headerLength) = PPPFrameHeader.decode(frame) else { return }
        if protocolNumber == PPPProtocolNumber.ipv4 || protocolNumber == PPPProtocolNumber.ipv6 {
            // §3.3.5.2.3: nothing passes before a valid CALL_CONNECTED.
            guard session.dataFramesAllowed else { return }
            guard protocolNumber == PPPProtocolNumber.ipv4 ? ipv4Up : ipv6Up else { return }
            dataPackets += 1
            if let limit = faults.abortAfterPackets, dataPackets >= limit {
                log("fault: aborting after \(dataPackets) data packets")
                apply(session.abort("fault injected after \(dataPackets) packets", now: loop.now))
                return
            }
            server.writeToTUN(UnsafeRawBufferPointer(rebasing: frame[headerLength...]), joining: stream)
            return
        }
        guard let ppp else { return }
        var engine = ppp
        let actions = engine.handle(.frame(Array(frame)), now: loop.now)
        self.ppp = engine
        apply(actions)
    }

    /// Queues an IP packet from the TUN for this client (a TCP superpacket
    /// from a TUN with offload is split into segments); false if it was
    /// dropped (not up, the queue is full, or a superpacket it cannot split).
    func queue(packet: UnsafeRawBufferPointer, header: VirtioNetHeader = VirtioNetHeader(), ipv6: Bool) -> Bool {
        guard stage == .running, !silenced, session.dataFramesAllowed, ipv6 ? ipv6Up : ipv4Up else { return false }
        let needed =
            header.gsoType == VirtioNetHeader.gsoNone
            ? packet.count + OutboundBatch.headerLength
            : OutboundBatch.segmentedLength(of: packet, header: header) ?? 0
        guard needed > 0 else { return false }
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

    private func apply(_ actions: [SSTPAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                if silenced { continue }
                stream.enqueue(bytes)
                stream.flush()
            case .setTimer(let timer, let deadline):
                timers.set(.sstp(timer), at: deadline) { [weak self] in
                    guard let self else { return }
                    self.apply(self.session.timerExpired(timer, now: self.loop.now))
                }
            case .cancelTimer(let timer):
                timers.cancel(.sstp(timer))
            case .startPPP:
                startPPP()
                if faults.malformedPacket {
                    log("fault: sending a malformed control packet")
                    stream.enqueue([0x10, 0x01, 0x00, 0x08, 0x00, 0xff, 0x00, 0x00])
                    stream.flush()
                }
            case .callConnected:
                log("Crypto binding is valid; call connected")
            case .close(let reason):
                log("call ended: \(reason)")
                if let ppp {
                    var engine = ppp
                    _ = engine.handle(.lowerDown, now: loop.now)
                    self.ppp = engine
                }
                finish()
            case .log(let line):
                log(line)
            }
        }
    }

    private func startPPP() {
        guard let address = server.allocateAddress() else {
            log("address pool exhausted")
            apply(session.abort("address pool exhausted", now: loop.now))
            return
        }
        assigned = address
        let options = server.options
        let config = PPPServerConfiguration(
            users: options.users, methods: options.methods, name: "sstp-test-server",
            localIPv4: options.localAddress, peerIPv4: address, dns: options.dns, ipv6: options.ipv6,
            mru: options.mtu)
        var engine = PPPServer(configuration: config, random: SystemPPPRandom())
        let actions = engine.handle(.lowerUp, now: loop.now)
        ppp = engine
        apply(actions)
    }

    private func apply(_ actions: [PPPAction]) {
        for action in actions {
            switch action {
            case .send(let frame):
                if silenced { continue }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(frame.count + 4)
                SSTPDataPacket.appendHeader(payloadLength: frame.count, to: &bytes)
                bytes += frame
                stream.enqueue(bytes)
                stream.flush()
            case .setTimer(let timer, let deadline):
                timers.set(.ppp(timer), at: deadline) { [weak self] in
                    guard let self, var engine = self.ppp else { return }
                    let next = engine.handle(.timerExpired(timer), now: self.loop.now)
                    self.ppp = engine
                    self.apply(next)
                }
            case .cancelTimer(let timer):
                timers.cancel(.ppp(timer))
            case .phase:
                break
            case .authenticated(let result):
                user = result.userName ?? "?"
                log("authenticated with \(result.method.map { "\($0)" } ?? "no authentication")")
                apply(session.pppAuthenticated(hlak: result.higherLayerAuthenticationKey, now: loop.now))
            case .ipv4Up(let config):
                ipv4Up = true
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
            case .ipv4Down:
                ipv4Up = false
            case .ipv6Up(let config):
                ipv6Up = true
                if let id = config.peerInterfaceIdentifier {
                    peerInterfaceID = id
                    server.register(self, interfaceID: id)
                }
                log("IPv6CP up")
            case .ipv6Down:
                ipv6Up = false
            case .linkDown(let failure):
                log("PPP ended: \(failure)")
                if failure != .lowerLayerDown { apply(session.pppFinished(now: loop.now)) }
            case .log(let line), .warning(let line):
                log(line)
            }
        }
    }

    // MARK: - The end

    func disconnect() {
        apply(session.disconnect(now: loop.now))
    }

    private func finish() {
        guard stage != .closed else { return }
        stage = .closed
        timers.cancelAll()
        stream.flush()
        stream.close()
        server.closed(self)
    }
}

extension ServerConnection: TLSStreamDelegate {
    func streamEstablished(_ stream: TLSStream) {
        stage = .http
    }

    func stream(_ stream: TLSStream, received bytes: UnsafeRawBufferPointer) {
        switch stage {
        case .http: httpReceived(bytes)
        case .running: sstpReceived(bytes)
        default: break
        }
    }

    func streamDrained(_ stream: TLSStream) {}

    func streamClosed(_ stream: TLSStream, error: TLSError?) {
        if stage == .handshake {
            log("TLS handshake failed: \(error.map { "\($0)" } ?? "closed")")
        }
        apply(session.transportClosed(error.map { "\($0)" } ?? "the client closed the connection"))
        finish()
    }
}
