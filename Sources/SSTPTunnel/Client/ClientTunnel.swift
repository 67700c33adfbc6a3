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
import SSTPStream
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
    /// Makes the `PacketDevice` IP packets go through, from the interface
    /// name (a pattern such as "sstp%d").
    public typealias DeviceFactory = (String) throws(SystemError) -> any PacketDevice
    /// Makes the `NetworkConfiguring` the tunnel applies its addresses,
    /// routes and DNS through; given the log sink.
    public typealias NetworkFactory = (@escaping NetworkConfigurator.Log) throws(SystemError) -> any NetworkConfiguring

    enum Stage {
        case idle
        case resolving(AsyncResolver)
        case connecting(TCPConnector)
        case proxy(ProxyConnectLayer, address: SocketAddress)
        case tls(TLSStream, address: SocketAddress)
        case http(TLSStream, address: SocketAddress)
        case running(TLSStream, address: SocketAddress)
        /// Between calls, waiting to start attempt `attempt` (issue 14).
        case reconnecting(attempt: Int)
        case finished
    }

    enum TimerKey: Hashable {
        case call(CallTimer)
        case stage
    }

    public let options: ClientOptions
    unowned let loop: EventLoop
    let emit: EventSink
    var stage = Stage.idle
    /// The SSTP call and its PPP link, from the server's HTTP 200 on.
    var call: SSTPClientCall?
    let random: any PPPRandomSource
    var httpParser = HTTPResponseParser()
    let timers: KeyedTimers<TimerKey>
    var tun: (any PacketDevice)?
    /// Makes the packet device for the interface name (a TUN by default).
    let makeDevice: DeviceFactory
    /// Who runs PPP (`ClientPPPBackend`): asked wherever backends differ.
    lazy var backend: any ClientPPPBackend = makeBackend(options, loop) { [weak self] event in
        self?.backendEvent(event)
    }
    let makeBackend: BackendFactory
    var network: (any NetworkConfiguring)?
    /// Makes the network configurator on first use (the real one by default).
    let makeNetwork: NetworkFactory
    var mtu = ClientOptions.defaultMTU
    /// The call's IPv6CP result (what IPv6 reports while the call has it open).
    var ipv6: IPv6Configuration?
    /// The AQM packets from the TUN wait in (options.queueManagement).
    var uplink: UplinkQueue?
    /// The tunnel was up once ("connected:"): a server's end is then exit 7.
    /// The first session's address is recorded then (`sessionCameUp`) and
    /// kept to the end.
    var established: Bool { reconnection.appliedIPv4 != nil }
    /// `.up` was reported for the current call (IPCP opened and the interface
    /// is configured): the time its session came up is recorded, until the
    /// call is dropped.
    var reportedUp: Bool { reconnection.upSince != nil }
    /// The TUN is not read while the stream's batch is full: its
    /// registration on the loop asks for no events.
    var tunPaused: Bool {
        guard let tun else { return false }
        return loop.interest(fd: tun.fd)?.isEmpty == true
    }
    var authMethod: PPPAuthenticationMethod?
    var serverAddress: [UInt8] = []
    let synScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    /// Bytes moved through the tunnel (IP packets), for the status API.
    public internal(set) var bytesIn: UInt64 = 0
    public internal(set) var bytesOut: UInt64 = 0
    /// The reconnect policy and what it keeps across calls.
    lazy var reconnection = Reconnection(settings: options.reconnectSettings)

    public init(
        options: ClientOptions, loop: EventLoop, random: any PPPRandomSource = SystemPPPRandom(),
        network: @escaping NetworkFactory = { log throws(SystemError) in try NetworkConfigurator(log: log) },
        device: @escaping DeviceFactory = { name throws(SystemError) in try TUNDevice(name: name) },
        backend: @escaping BackendFactory = ClientTunnel.builtInBackend,
        events: @escaping EventSink
    ) {
        self.options = options
        makeBackend = backend
        makeDevice = device
        makeNetwork = network
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
        start(knownAddresses: [])
    }

    /// Starts; with `knownAddresses` (a reconnect) it connects to them
    /// instead of looking the name up again.
    func start(knownAddresses: [SocketAddress]) {
        guard case .idle = stage else { return }
        if let problem = backend.precheck() {
            finish(.ppp(problem))
            return
        }
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
        if !knownAddresses.isEmpty {
            emit(.log("connecting to the addresses \(target.0) had (no lookup while the tunnel is down)"))
            connect(knownAddresses)
            return
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

    /// Starts over an already-connected stream socket instead of resolving
    /// and connecting (a descriptor handed over by a caller). `peer` stands
    /// for the server (its host route is pinned as after a TCP connect);
    /// the tunnel owns `fd`.
    public func start(connected fd: Int32, peer: SocketAddress) {
        start(connected: SocketByteTransport(fd: fd), peer: peer)
    }

    /// Starts over an already-connected byte transport (the seam: the
    /// in-memory pair in tests); the tunnel owns it from here on.
    public func start(connected transport: any ByteTransport, peer: SocketAddress) {
        guard case .idle = stage else {
            transport.close()
            return
        }
        do {
            try loop.add(fd: transport.fd, events: .readable) { _ in }
        } catch {
            transport.close()
            finish(.connect(peer.description, error))
            return
        }
        serverAddress = peer.address
        emit(.phaseDone(.tcp, "connected to \(peer)"))
        startTLS(transport: transport, address: peer)
    }

    func resolved(_ result: Result<[SocketAddress], SystemError>, host: String) {
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
        if options.reconnect { reconnection.lastResolved = candidates }
        connect(candidates)
    }

    /// The transport stack, layer by layer: TCP over the candidate list
    /// (TCPConnector), the proxy CONNECT when there is a proxy
    /// (ProxyConnectLayer), then TLS (startTLS); each layer hands the next
    /// a ByteTransport.
    func connect(_ candidates: [SocketAddress]) {
        let connector = TCPConnector(
            candidates: candidates, userTimeout: options.tcpUserTimeout, loop: loop, emit: emit
        ) { [weak self] result in self?.connected(result) }
        stage = .connecting(connector)
        connector.start()
        // The TLS context is made (or the CLI's prefetch joined) during
        // TCP's handshake; startTLS takes it from the cache or reports.
        _ = try? TLSClientContextCache.shared.context(for: options.tls)
    }

    func connected(_ result: Result<TCPConnector.Connected, TCPConnector.Failure>) {
        guard case .connecting = stage else { return }
        let connected: TCPConnector.Connected
        switch result {
        case .success(let value): connected = value
        case .failure(let failure):
            finish(.connect(failure.address.description, failure.error))
            return
        }
        // The outer connection's peer, the server or the proxy: its host
        // route keeps that connection off the tunnel.
        serverAddress = connected.address.address
        emit(.phaseDone(.tcp, "connected to \(connected.address)"))
        if options.proxy != nil {
            startProxy(transport: connected.transport, address: connected.address)
        } else {
            startTLS(transport: connected.transport, address: connected.address)
        }
    }

    // MARK: - Proxy CONNECT (MS-SSTP 4.5)

    func startProxy(transport: any ByteTransport, address: SocketAddress) {
        guard let proxy = options.proxy else { return }
        emit(.phase(.proxy, "CONNECT \(options.server):\(options.port) through \(proxy.host):\(proxy.port)"))
        let credentials = proxy.user.map { (user: $0, password: proxy.password ?? "") }
        // The request carries the proxy password: the layer writes it, nothing logs it.
        let exchange = HTTPConnectExchange(host: options.server, port: Int(options.port), basicCredentials: credentials)
        let layer = ProxyConnectLayer(transport: transport, exchange: exchange, loop: loop) { [weak self] result in
            self?.proxyDone(result)
        }
        stage = .proxy(layer, address: address)
        layer.start()
    }

    func proxyDone(_ result: Result<ProxyConnectLayer.Opened, ProxyConnectLayer.Failure>) {
        guard case .proxy(_, let address) = stage, let proxy = options.proxy else { return }
        let proxyName = "\(proxy.host):\(proxy.port)"
        switch result {
        case .success(let opened):
            if opened.leftover > 0 {
                emit(.log("the proxy sent \(opened.leftover) bytes after its answer; they go to TLS"))
            }
            emit(.phaseDone(.proxy, "the proxy opened the tunnel"))
            startTLS(transport: opened.transport, address: address)
        case .failure(.exchange(.refused(let refusal))):
            finish(.proxy(refusal))
        case .failure(.exchange(.malformed(let error))):
            finish(.proxyResponse(error))
        case .failure(.exchange(.closedEarly)):
            finish(.connect(proxyName, SystemError("the proxy closed the connection", errno: ECONNRESET)))
        case .failure(.transport(let error)):
            finish(.connect(proxyName, error))
        }
    }

    // MARK: - TLS

    func startTLS(transport: any ByteTransport, address: SocketAddress) {
        emit(.phase(.tls, "handshake with \(options.tls.serverName)"))
        let stream: TLSStream
        do {
            // Kept per configuration (TLSClientContextCache).
            let context = try TLSClientContextCache.shared.context(for: options.tls)
            let connection = try context.connect(transport: transport)
            stream = TLSStream(transport: transport, tls: connection, loop: loop)
            if options.queueManagement {
                stream.notSentLowWater = Int32(UnsentPacer.initialBudget)
                stream.pacer = UnsentPacer()
                stream.receiveWindow = ReceiveWindowClamp()
            }
        } catch {
            loop.remove(fd: transport.fd)
            transport.close()
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
        loop.modify(fd: transport.fd, events: .readable)
        stream.start()
    }

    // MARK: - HTTP (MS-SSTP 3.2.4.1)

    func startHTTP(_ stream: TLSStream, address: SocketAddress) {
        guard let certificate = stream.tls.peerCertificateDER else {
            finish(.tls(.protocolError(detail: "the server sent no certificate")))
            return
        }
        let version = stream.tls.negotiatedVersion.map { "\($0)" } ?? "TLS"
        emit(.phaseDone(.tls, "\(version), \(stream.tls.cipherName ?? "unknown cipher")"))
        var config = SSTPClientSession.Configuration(certificateDER: certificate)
        config.timers = options.sstpTimers
        config.corruptCryptoBinding = options.corruptCryptoBinding
        call = SSTPClientCall(configuration: .init(session: config, backend: backend.callBackend), random: random)
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

    var hostHeaderName: String { options.tls.serverName.isEmpty ? options.server : options.tls.serverName }

    func httpReceived(_ stream: TLSStream, address: SocketAddress, _ bytes: UnsafeRawBufferPointer) {
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

    /// Stops a lookup, connect or proxy exchange in progress (closing its
    /// socket) and returns the TLS stream of a later stage, for the caller
    /// to flush before it leaves the stage.
    func abandonConnecting() -> TLSStream? {
        let stream = currentStream
        switch stage {
        case .resolving(let resolver):
            resolver.cancel()
        case .connecting(let connector):
            connector.cancel()
        case .proxy(let layer, _):
            layer.cancel()
        default:
            break
        }
        return stream
    }

    /// Cleans up everything and reports the end once.
    func finish(_ failure: TunnelFailure?) {
        if case .finished = stage { return }
        if reconnectInstead(of: failure) { return }
        let stream = abandonConnecting()
        stage = .finished
        stream?.flush()
        stream?.close()
        timers.cancelAll()
        network?.undoAll()
        network = nil
        backend.stopNow()
        if let tun {
            loop.remove(fd: tun.fd)
            self.tun = nil
        }
        reconnection.stopWatching()
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
            let detail = Self.transportDetail(error, userTimeout: options.tcpUserTimeout)
            // While an external PPP backend winds down, its end decides the outcome.
            apply(call?.transportClosed(detail, now: loop.now) ?? [])
        default:
            break
        }
    }
}
