import ByteCoding
import CSSTPPlatform
import Glibc
public import PPP
import SSTPCall
import SSTPCrypto
import SSTPDataPlane
import SSTPHTTP
public import SSTPPlatform
import SSTPSession
import SSTPTLS
import SSTPWire

/// One client connection: TCP, optional proxy CONNECT, TLS, the
/// SSTP_DUPLEX_POST, the SSTP call, PPP and the TUN data plane, all on one
/// event loop. The pure call (`SSTPClientCall`: SSTP and PPP joined) decides
/// once the HTTP exchange is done; this class does its I/O.
///
/// Every exit path (failure, peer close, `disconnect()`) ends in `finish`,
/// which undoes the network configuration, closes the TUN and the socket,
/// and reports `.down` exactly once.
public final class ClientTunnel {
    public typealias EventSink = (TunnelEvent) -> Void

    enum Stage {
        case idle
        case resolving(AsyncResolver)
        case connecting(fd: Int32, candidates: [SocketAddress], index: Int)
        case proxy(fd: Int32, address: SocketAddress)
        case tls(TLSStream, address: SocketAddress)
        case http(TLSStream, address: SocketAddress)
        case running(TLSStream, address: SocketAddress)
        case finished
    }

    enum TimerKey: Hashable {
        case call(CallTimer)
        case stage
    }

    public let options: ClientOptions
    unowned let loop: EventLoop
    private let emit: EventSink
    private var stage = Stage.idle
    /// The SSTP call and its PPP link, from the server's HTTP 200 on.
    private var call: SSTPClientCall?
    private let random: any PPPRandomSource
    private var httpParser = HTTPResponseParser()
    private var proxyParser = HTTPResponseParser()
    private let timers: KeyedTimers<TimerKey>
    private var tun: TUNDevice?
    /// The kernel-PPP backend, when chosen (then there is no TUN: pppd's
    /// pppN interface carries the traffic).
    private var pppd: PPPDDriver?
    private var pppdInterface: (name: String, index: Int32)?
    private var network: NetworkConfigurator?
    private var mtu = 1400
    private var ipv4: IPv4Configuration?
    private var ipv6: IPv6Configuration?
    /// `.up` was reported (IPCP opened and the interface is configured).
    private var reportedUp = false
    private var tunPaused = false
    /// The AQM packets from the TUN wait in (options.queueManagement).
    private var uplink: UplinkQueue?
    private var authMethod: PPPAuthenticationMethod?
    private var serverAddress: [UInt8] = []
    private let synScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    /// Bytes moved through the tunnel (IP packets), for the status API.
    public private(set) var bytesIn: UInt64 = 0
    public private(set) var bytesOut: UInt64 = 0

    public init(
        options: ClientOptions, loop: EventLoop, random: any PPPRandomSource = SystemPPPRandom(),
        events: @escaping EventSink
    ) {
        self.options = options
        self.loop = loop
        timers = KeyedTimers(loop: loop)
        self.emit = events
        self.random = random
    }

    deinit {
        synScratch.deallocate()
    }

    public var isFinished: Bool {
        if case .finished = stage { return true }
        return false
    }

    /// The TUN once PPP's IPCP is up.
    public var interfaceName: String? { tun?.name }

    // MARK: - Start: resolve and connect

    public func start() {
        guard case .idle = stage else { return }
        let target = options.proxy.map { ($0.host, $0.port) } ?? (options.server, options.port)
        emit(.phase(.resolving, target.0))
        timers.set(.stage, after: options.connectTimeout) { [weak self] in
            guard let self else { return }
            if case .resolving = self.stage {
                self.finish(
                    .resolve(
                        host: target.0, SystemError("no answer from the resolver in time", errno: ETIMEDOUT)))
            } else {
                self.finish(.timeout("connecting to \(target.0) port \(target.1)"))
            }
        }
        if let numeric = SocketAddress.parseNumeric(target.0) {
            resolved(.success([SocketAddress(address: numeric, port: target.1)]), host: target.0)
            return
        }
        do {
            // The lookup runs on its own thread: the loop keeps serving
            // D-Bus calls, other tunnels and Ctrl-C while DNS is slow.
            let resolver = try AsyncResolver(host: target.0, port: target.1, loop: loop) { [weak self] result in
                self?.resolved(result, host: target.0)
            }
            stage = .resolving(resolver)
        } catch {
            finish(.resolve(host: target.0, error))
        }
    }

    private func resolved(_ result: Result<[SocketAddress], SystemError>, host: String) {
        switch stage {
        case .idle, .resolving: break
        default: return
        }
        let candidates: [SocketAddress]
        switch result {
        case .success(let found): candidates = found
        case .failure(let error):
            finish(.resolve(host: host, error))
            return
        }
        guard !candidates.isEmpty else {
            finish(.resolve(host: host, SystemError("no address", errno: EHOSTUNREACH)))
            return
        }
        connect(candidates, index: 0)
    }

    private func connect(_ candidates: [SocketAddress], index: Int) {
        let address = candidates[index]
        emit(.phase(.tcp, "connecting to \(address)"))
        do {
            let fd = try TCPSocket.startConnect(to: address)
            stage = .connecting(fd: fd, candidates: candidates, index: index)
            try loop.add(fd: fd, events: .writable) { [weak self] _ in self?.connectReady() }
        } catch {
            connectFailed(candidates, index: index, error: error)
        }
    }

    private func connectReady() {
        guard case .connecting(let fd, let candidates, let index) = stage else { return }
        let address = candidates[index]
        do {
            try TCPSocket.finishConnect(fd, to: address)
        } catch {
            loop.remove(fd: fd)
            close(fd)
            connectFailed(candidates, index: index, error: error)
            return
        }
        // The outer connection's peer, the server or the proxy: its host
        // route keeps that connection off the tunnel.
        serverAddress = address.address
        emit(.phaseDone(.tcp, "connected to \(address)"))
        if options.proxy != nil {
            startProxy(fd: fd, address: address)
        } else {
            startTLS(fd: fd, address: address)
        }
    }

    private func connectFailed(_ candidates: [SocketAddress], index: Int, error: SystemError) {
        if index + 1 < candidates.count {
            emit(.log("connecting to \(candidates[index]) failed (\(error)); trying the next address"))
            connect(candidates, index: index + 1)
        } else {
            finish(.connect(candidates[index].description, error))
        }
    }

    // MARK: - Proxy CONNECT (MS-SSTP 4.5)

    private func startProxy(fd: Int32, address: SocketAddress) {
        guard let proxy = options.proxy else { return }
        emit(.phase(.proxy, "CONNECT \(options.server):\(options.port) through \(proxy.host):\(proxy.port)"))
        stage = .proxy(fd: fd, address: address)
        let credentials = proxy.user.map { (user: $0, password: proxy.password ?? "") }
        // The request carries the proxy password: it is written, never logged.
        let request = HTTPConnect.request(host: options.server, port: Int(options.port), basicCredentials: credentials)
        let written = request.withUnsafeBytes { try? TCPSocket.write(fd, $0) }
        guard written == request.count else {
            finish(.connect("\(proxy.host):\(proxy.port)", SystemError("write CONNECT", errno: EIO)))
            return
        }
        loop.modify(fd: fd, events: .readable)
        loop.setHandler(fd: fd) { [weak self] _ in self?.proxyReadable() }
    }

    private func proxyReadable() {
        guard case .proxy(let fd, let address) = stage, let proxy = options.proxy else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Read byte by byte past the head would be slow; a proxy sends
        // nothing after its head until TLS starts, so whole reads are safe.
        let result = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) in try TCPSocket.read(fd, into: raw) }
        }
        let n: Int?
        switch result {
        case .success(let value): n = value
        case .failure(let error):
            finish(.connect("\(proxy.host):\(proxy.port)", error))
            return
        }
        guard let n else { return }
        guard n > 0 else {
            finish(
                .connect(
                    "\(proxy.host):\(proxy.port)", SystemError("the proxy closed the connection", errno: ECONNRESET)))
            return
        }
        do {
            guard let (head, consumed) = try proxyParser.feed(buffer[0..<n]) else { return }
            if let refusal = HTTPConnect.check(response: head, credentialsSent: proxy.user != nil) {
                finish(.proxy(refusal))
                return
            }
            if consumed < n {
                emit(.warning("the proxy sent \(n - consumed) bytes after its answer; ignoring them"))
            }
        } catch {
            finish(.proxyResponse(error))
            return
        }
        emit(.phaseDone(.proxy, "the proxy opened the tunnel"))
        startTLS(fd: fd, address: address)
    }

    // MARK: - TLS

    private func startTLS(fd: Int32, address: SocketAddress) {
        emit(.phase(.tls, "handshake with \(options.tls.serverName)"))
        let stream: TLSStream
        do {
            let context = try TLSClientContext(options.tls)
            let connection = try context.connect(socket: fd)
            stream = TLSStream(fd: fd, tls: connection, loop: loop)
            if options.queueManagement {
                stream.notSentLowWater = Int32(UnsentPacer.initialBudget)
                stream.pacer = UnsentPacer()
            }
        } catch {
            loop.remove(fd: fd)
            close(fd)
            finish(.tls(error))
            return
        }
        if options.tls.insecureSkipVerify {
            emit(
                .warning(
                    "certificate checking is OFF (--insecure-skip-verify): anyone on the path can impersonate the server and read the traffic"
                ))
        }
        stream.delegate = self
        stage = .tls(stream, address: address)
        loop.modify(fd: fd, events: .readable)
        stream.start()
    }

    // MARK: - HTTP (MS-SSTP 3.2.4.1)

    private func startHTTP(_ stream: TLSStream, address: SocketAddress) {
        guard let certificate = stream.tls.peerCertificateDER else {
            finish(.tls(.protocolError(detail: "the server sent no certificate")))
            return
        }
        let version = stream.tls.negotiatedVersion.map { "\($0)" } ?? "TLS"
        emit(.phaseDone(.tls, "\(version), \(stream.tls.cipherName ?? "unknown cipher")"))
        var config = SSTPClientSession.Configuration(certificateDER: certificate)
        config.timers = options.sstpTimers
        config.corruptCryptoBinding = options.corruptCryptoBinding
        let backend: SSTPClientCall.PPPBackend = options.backend == .pppd ? .external : .builtIn(options.ppp)
        call = SSTPClientCall(configuration: .init(session: config, backend: backend), random: random)
        let random = (try? SystemRandom.bytes(16)) ?? Array(repeating: 0, count: 16)
        let correlation = SSTPDuplexPost.correlationID(random: random)
        emit(.phase(.http, "SSTP_DUPLEX_POST, correlation \(correlation)"))
        stage = .http(stream, address: address)
        stream.enqueue(
            SSTPDuplexPost.request(host: hostHeaderName, port: Int(options.port), correlationID: correlation))
        stream.flush()
        timers.set(.stage, after: options.httpTimeout) { [weak self] in
            self?.finish(.timeout("waiting for the server's HTTP answer"))
        }
    }

    private var hostHeaderName: String { options.tls.serverName.isEmpty ? options.server : options.tls.serverName }

    private func httpReceived(_ stream: TLSStream, address: SocketAddress, _ bytes: UnsafeRawBufferPointer) {
        let parsed: (head: HTTPResponseHead, consumed: Int)?
        do {
            parsed = try httpParser.feed(bytes)
        } catch {
            finish(.httpResponse(error))
            return
        }
        guard let (head, consumed) = parsed else { return }
        if let refusal = SSTPDuplexPost.check(response: head) {
            finish(.http(refusal))
            return
        }
        timers.cancel(.stage)
        emit(.phaseDone(.http, "HTTP \(head.status) \(head.reason)"))
        emit(.phase(.sstp, "CALL_CONNECT_REQUEST"))
        stage = .running(stream, address: address)
        apply(call?.start(now: loop.now) ?? [])
        if consumed < bytes.count {
            sstpReceived(stream, UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
        }
    }

    // MARK: - SSTP and the data plane

    private func sstpReceived(_ stream: TLSStream, _ bytes: UnsafeRawBufferPointer) {
        let tun = self.tun
        let actions =
            call?.receive(bytes, now: loop.now) { data in
                switch data {
                case .ipv4(let packet), .ipv6(let packet):
                    guard let tun else { return }
                    bytesIn &+= UInt64(packet.count)
                    writeToTUN(tun, packet)
                case .externalPPP(let frame):
                    if frame.count > 4, frame[2] & 0x80 == 0 { bytesIn &+= UInt64(frame.count - 4) }
                    pppd?.deliver(frame)
                }
            } ?? []
        apply(actions)
        if let tun { flushTUNWrites(tun, stream) }
    }

    /// Writes a packet to the TUN; a SYN is copied and clamped first. With
    /// TUN offload, runs of TCP segments are joined into superpackets
    /// (TCPCoalescer) that go out when a packet cannot join them or at the
    /// end of the received bytes (flushTUNWrites).
    private func writeToTUN(_ tun: TUNDevice, _ packet: UnsafeRawBufferPointer) {
        let stream = currentStream
        if packet.count <= synScratch.count, Self.isTCPSYN(packet) {
            if let stream { flushTUNWrites(tun, stream) }
            let copy = UnsafeMutableRawBufferPointer(rebasing: synScratch[0..<packet.count])
            copy.copyMemory(from: packet)
            MSSClamp.clamp(copy, mtu: mtu)
            tun.write(UnsafeRawBufferPointer(copy))
            return
        }
        guard tun.virtioHeader, let stream else {
            tun.write(packet)
            return
        }
        if stream.inbound.add(packet) { return }
        flushTUNWrites(tun, stream)
        if !stream.inbound.add(packet) { tun.write(packet) }
    }

    private func flushTUNWrites(_ tun: TUNDevice, _ stream: TLSStream) {
        if let bytes = stream.inbound.finish() { tun.write(withVirtioHeader: bytes) }
    }

    @inline(__always)
    static func isTCPSYN(_ p: UnsafeRawBufferPointer) -> Bool {
        guard let first = p.first else { return false }
        if first >> 4 == 4 {
            let ihl = Int(first & 0x0f) * 4
            return p.count >= ihl + 14 && p[9] == 6 && p[ihl + 13] & 0x02 != 0
        }
        if first >> 4 == 6 { return p.count >= 54 && p[6] == 6 && p[53] & 0x02 != 0 }
        return false
    }

    /// Drains the TUN into the output queue, then writes it as TLS records.
    /// With TUN offload a read may bring a TCP superpacket, which the queue
    /// splits into MTU-sized packets (OutboundBatch.commit(length:virtioHeader:...)).
    private func tunReadable() {
        guard case .running(let stream, _) = stage, let tun else { return }
        if options.queueManagement {
            let queue = uplink ?? UplinkQueue(slots: 1024, mtu: mtu, split: SplitBuffer())
            uplink = queue
            do {
                bytesOut &+= try queue.readTUN(tun, stream: stream, mtu: mtu, now: { loop.now }) {
                    call?.outboundProtocol(ipVersion: $0)
                }
            } catch {
                finish(.local("reading \(tun.name) failed: \(error)"))
                return
            }
            stream.flush()
            return
        }
        let room = tun.virtioHeader ? OutboundBatch.superpacketRoom : mtu + 64
        while true {
            if stream.out.spaceForNextPacket < room {
                stream.flush()
                if stream.out.spaceForNextPacket < room {
                    pauseTUN(true)
                    return
                }
            }
            let space = stream.out.nextPacketSpace
            let n: Int?
            do {
                n = try tun.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, 65535)]),
                    virtioHeader: stream.out.virtioHeaderSpace)
            } catch {
                finish(.local("reading \(tun.name) failed: \(error)"))
                return
            }
            guard let n else { break }
            guard n > 0 else { continue }
            // The call says whether this IP version may go out now.
            guard let protocolNumber = call?.outboundProtocol(ipVersion: space[0] >> 4) else { continue }
            let header = UnsafeRawBufferPointer(stream.out.virtioHeaderSpace)
            if stream.out.commit(length: n, virtioHeader: header, protocolNumber: protocolNumber, mtu: mtu) > 0 {
                bytesOut &+= UInt64(n)
            }
            if stream.out.count >= TLSConnection.maxRecordPayload { stream.flush() }
        }
        stream.flush()
    }

    private func pauseTUN(_ pause: Bool) {
        guard let tun, pause != tunPaused else { return }
        tunPaused = pause
        loop.modify(fd: tun.fd, events: pause ? [] : .readable)
    }

    // MARK: - Applying the call's actions

    private func apply(_ actions: [CallAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                sendRaw(bytes)
            case .setTimer(let timer, let deadline):
                timers.set(.call(timer), at: deadline) { [weak self] in
                    guard let self else { return }
                    self.apply(self.call?.timerExpired(timer, now: self.loop.now) ?? [])
                }
            case .cancelTimer(let timer):
                timers.cancel(.call(timer))
            case .progress(let progress):
                report(progress)
            case .startExternalPPP:
                startPPPD()
            case .externalCallConnected:
                pppd?.callConnected()
            case .stopExternalPPP:
                pppd?.terminate()
            case .externalLowerDown:
                pppd?.lowerDown()
            case .ipv4Up(let config):
                ipv4 = config
                networkUp(ipv4: config)
            case .ipv6Up(let config):
                ipv6 = config
                networkUp(ipv6: config)
            case .ipv4Down, .ipv6Down:
                // The call stops that protocol's packets itself.
                break
            case .ended(let end):
                finish(end.failure.map(TunnelFailure.init))
            case .log(let line):
                emit(.log(line))
            }
        }
    }

    private func report(_ progress: CallProgress) {
        switch progress {
        case .sstpNegotiated:
            emit(.phaseDone(.sstp, "CALL_CONNECT_ACK"))
            emit(.phase(.lcp, "negotiating the link"))
        case .pppPhase(let phase):
            pppPhase(phase)
        case .authenticated(let result):
            authMethod = result.method
            let method = result.method.map { "\($0)" } ?? "none"
            emit(.phaseDone(.authentication, "authenticated with \(method)"))
            emit(.phase(.network, "IPCP" + (options.ppp.requestIPv6 ? " and IPv6CP" : "")))
        case .callConnected:
            emit(.log("SSTP call connected (crypto binding sent)"))
        }
    }

    private func pppPhase(_ phase: PPPPhase) {
        switch phase {
        case .authenticate:
            emit(.phaseDone(.lcp, "LCP opened"))
            emit(.phase(.authentication, "user \(options.ppp.userName)"))
        default:
            break
        }
    }

    private func sendRaw(_ bytes: [UInt8]) {
        guard let stream = currentStream else { return }
        stream.enqueue(bytes)
        stream.flush()
    }

    private var currentStream: TLSStream? {
        switch stage {
        case .tls(let s, _), .http(let s, _), .running(let s, _): s
        default: nil
        }
    }

    // MARK: - The pppd backend

    private func startPPPD() {
        let c = options.ppp
        let configuration = PPPDDriver.Configuration(
            pppdPath: options.pppdPath, pluginPath: options.pppdPluginPath, userName: c.userName, password: c.password,
            refused: c.refusedMethods, requestIPv6: c.requestIPv6, mtu: options.mtu ?? 1400, keepalive: c.keepalive,
            unit: nil)
        let driver = PPPDDriver(configuration: configuration, loop: loop) { [weak self] event in
            self?.pppdEvent(event)
        }
        pppd = driver
        do {
            try driver.start()
        } catch {
            finish(.local("cannot start pppd (\(options.pppdPath)): \(error)"))
        }
    }

    private func pppdEvent(_ event: PPPDDriver.Event) {
        switch event {
        case .frame(let frame):
            // The call drops data frames before Call Connected (§3.2.5.2).
            let actions = call?.externalPPPFrame(frame, now: loop.now) ?? []
            if !actions.isEmpty, frame.count > 4, frame[2] & 0x80 == 0 { bytesOut &+= UInt64(frame.count - 4) }
            apply(actions)
        case .phase(let phase):
            pppPhase(phase)
        case .authenticated(let result):
            apply(call?.externalPPPAuthenticated(result, now: loop.now) ?? [])
        case .ipv4Up(let interface, let config):
            pppdInterface = (interface, csstp_if_index(interface))
            call?.externalPPPNetworkUp(ipv4: true)
            ipv4 = config
            networkUp(ipv4: config)
        case .ipv6Up(let interface, let config):
            pppdInterface = pppdInterface ?? (interface, csstp_if_index(interface))
            call?.externalPPPNetworkUp(ipv4: false)
            ipv6 = config
            networkUp(ipv6: config)
        case .log(let line):
            emit(.log(line))
        case .finished(let failure):
            guard call != nil else {
                finish(failure.map { .ppp($0) })
                return
            }
            apply(call?.externalPPPFinished(failure, now: loop.now) ?? [])
        }
    }

    // MARK: - Network configuration

    private func ensureTUN() -> TUNDevice? {
        if let tun { return tun }
        do {
            let device = try TUNDevice(name: options.interfaceName)
            try device.setMTU(mtu)
            do {
                try device.configureIPv6(enabled: options.ppp.requestIPv6)
            } catch {
                emit(.warning("cannot set IPv6 up on \(device.name) before it goes up: \(error)"))
            }
            try device.setUp()
            tun = device
            try loop.add(fd: device.fd, events: .readable) { [weak self] _ in self?.tunReadable() }
            return device
        } catch {
            finish(.local("cannot create the TUN device: \(error). Run as root (CAP_NET_ADMIN) and check /dev/net/tun"))
            return nil
        }
    }

    private func networkUp(ipv4 config: IPv4Configuration) {
        mtu = min(options.mtu ?? 1400, config.mtu > 0 ? config.mtu : 1400)
        let link: (name: String, index: Int32)
        if let pppdInterface {
            link = pppdInterface
        } else {
            guard let tun = ensureTUN() else { return }
            link = (tun.name, tun.index)
        }
        if options.configureInterface {
            do {
                let net = try network ?? NetworkConfigurator { [weak self] line in self?.emit(.log(line)) }
                network = net
                if pppdInterface == nil {
                    // pppd sets its own addresses; the TUN is ours to set.
                    let local = config.local.bytes
                    try net.addAddress(interface: link.index, local: local, prefixLength: 32, peer: config.peer?.bytes)
                }
                try configureRoutes(net, index: link.index)
                if options.configureDNS, !config.dns.isEmpty {
                    let set = try net.setDNS(
                        interface: link.name, servers: config.dns.map(\.description), domains: [],
                        defaultRoute: options.routes == .defaultRoute)
                    if !set {
                        emit(
                            .log(
                                "DNS \(config.dns.map(\.description).joined(separator: " ")) not applied: systemd-resolved is not running"
                            ))
                    }
                }
            } catch {
                finish(.local("cannot configure \(link.name): \(error)"))
                return
            }
        }
        reportedUp = true
        emit(.phaseDone(.network, "IPCP opened"))
        emit(.up(status))
    }

    private func configureRoutes(_ net: NetworkConfigurator, index: Int32) throws(SystemError) {
        switch options.routes {
        case .none:
            break
        case .defaultRoute:
            if !serverAddress.isEmpty, serverAddress.count == 4 { try net.pinServerRoute(serverAddress) }
            try net.addTunnelRoute(destination: [0, 0, 0, 0], prefixLength: 1, interface: index)
            try net.addTunnelRoute(destination: [128, 0, 0, 0], prefixLength: 1, interface: index)
        case .networks(let networks):
            for n in networks where n.address.count == 4 {
                try net.addTunnelRoute(destination: n.address, prefixLength: n.prefixLength, interface: index)
            }
        }
    }

    private func networkUp(ipv6 config: IPv6Configuration) {
        if pppdInterface != nil {
            // pppd set the link-local addresses itself.
            emit(.phaseDone(.network, "IPv6CP opened"))
            if reportedUp { emit(.ipv6Up(status)) }
            return
        }
        guard let tun = ensureTUN() else { return }
        if options.configureInterface {
            do {
                let net = try network ?? NetworkConfigurator { [weak self] line in self?.emit(.log(line)) }
                network = net
                let local = TunnelStatus.linkLocalBytes(config.localInterfaceIdentifier)
                let peer = config.peerInterfaceIdentifier.map { TunnelStatus.linkLocalBytes($0) }
                // fe80::/64 stays on-link (RFC 4291 section 2.5.6), as the
                // kernel's own link-local address would have made it.
                try net.addAddress(interface: tun.index, local: local, prefixLength: 64, peer: peer)
            } catch {
                emit(.warning("cannot add the IPv6 link-local address to \(tun.name): \(error)"))
                return
            }
        }
        emit(.phaseDone(.network, "IPv6CP opened"))
        // The tunnel counts as up with IPv4; an IPv6CP that opens first is
        // part of that report.
        if reportedUp { emit(.ipv6Up(status)) }
    }

    public var status: TunnelStatus {
        var tlsVersion: String?
        var tlsCipher: String?
        if let s = currentStream {
            tlsVersion = s.tls.negotiatedVersion.map { "\($0)" }
            tlsCipher = s.tls.cipherName
        }
        return TunnelStatus(
            interfaceName: tun?.name ?? pppdInterface?.name ?? "",
            interfaceIndex: tun?.index ?? pppdInterface?.index ?? 0,
            mtu: mtu, ipv4: reportedUp && call?.ipv4Open == true ? ipv4 : nil,
            ipv6: call?.ipv6Open == true ? ipv6 : nil, serverAddress: serverAddress, authenticationMethod: authMethod,
            tlsVersion: tlsVersion, tlsCipher: tlsCipher)
    }

    // MARK: - Ending

    /// Ends the call gracefully: PPP Terminate, then SSTP CALL_DISCONNECT.
    public func disconnect() {
        switch stage {
        case .running:
            apply(call?.disconnect(now: loop.now) ?? [])
        case .finished:
            break
        default:
            finish(nil)
        }
    }

    /// Cleans up everything and reports the end once.
    private func finish(_ failure: TunnelFailure?) {
        if case .finished = stage { return }
        let stream = currentStream
        switch stage {
        case .resolving(let resolver):
            resolver.cancel()
        case .connecting(let fd, _, _), .proxy(let fd, _):
            loop.remove(fd: fd)
            close(fd)
        default:
            break
        }
        stage = .finished
        stream?.flush()
        stream?.close()
        timers.cancelAll()
        network?.undoAll()
        network = nil
        if let pppd, pppd.isRunning { pppd.killNow() }
        if let tun {
            loop.remove(fd: tun.fd)
            self.tun = nil
        }
        emit(.down(failure))
    }
}

extension ClientTunnel: TLSStreamDelegate {
    func streamEstablished(_ stream: TLSStream) {
        guard case .tls(_, let address) = stage else { return }
        startHTTP(stream, address: address)
    }

    func stream(_ stream: TLSStream, received bytes: UnsafeRawBufferPointer) {
        switch stage {
        case .http(let s, let address): httpReceived(s, address: address, bytes)
        case .running(let s, _): sstpReceived(s, bytes)
        default: break
        }
    }

    func streamDrained(_ stream: TLSStream) {
        uplink?.drain(stream, now: loop.now)
        if tunPaused {
            pauseTUN(false)
            tunReadable()
        }
    }

    func streamClosed(_ stream: TLSStream, error: TLSError?) {
        switch stage {
        case .tls:
            finish(.tls(error ?? .peerClosed(duringHandshake: true)))
        case .http:
            finish(error.map { .tls($0) } ?? .httpResponse(.malformedStatusLine))
        case .running:
            let detail = error.map { "\($0)" } ?? "the server closed the TLS connection"
            // While pppd winds down, its exit status decides the outcome.
            apply(call?.transportClosed(detail, now: loop.now) ?? [])
        default:
            break
        }
    }
}

extension IPv4Address {
    /// Network-order bytes.
    var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }
}
