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
    /// Makes the `PacketDevice` IP packets go through, from the interface
    /// name (a pattern such as "sstp%d").
    public typealias DeviceFactory = (String) throws(SystemError) -> any PacketDevice
    /// Makes the `NetworkConfiguring` the tunnel applies its addresses,
    /// routes and DNS through; given the log sink.
    public typealias NetworkFactory = (@escaping NetworkConfigurator.Log) throws(SystemError) -> any NetworkConfiguring

    enum Stage {
        case idle
        case resolving(AsyncResolver)
        case connecting(fd: Int32, candidates: [SocketAddress], index: Int)
        case proxy(fd: Int32, address: SocketAddress)
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
    var proxyParser = HTTPResponseParser()
    let timers: KeyedTimers<TimerKey>
    var tun: (any PacketDevice)?
    /// Makes the packet device for the interface name (a TUN by default).
    let makeDevice: DeviceFactory
    /// The kernel-PPP backend, when chosen (then there is no TUN: pppd's
    /// pppN interface carries the traffic).
    var pppd: PPPDDriver?
    var pppdInterface: (name: String, index: Int32)?
    var network: (any NetworkConfiguring)?
    /// Makes the network configurator on first use (the real one by default).
    let makeNetwork: NetworkFactory
    var mtu = ClientOptions.defaultMTU
    var ipv4: IPv4Configuration?
    var ipv6: IPv6Configuration?
    /// `.up` was reported (IPCP opened and the interface is configured).
    var reportedUp = false
    var tunPaused = false
    /// The AQM packets from the TUN wait in (options.queueManagement).
    var uplink: UplinkQueue?
    /// The tunnel was up ("connected:"): a server's end is then exit 7.
    var established = false
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
        events: @escaping EventSink
    ) {
        self.options = options
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
        if options.backend == .pppd, let problem = PPPDDriver.kernelPPPProblem() {
            finish(.ppp(.localSetup(problem)))
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
            connect(knownAddresses, index: 0)
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
        connect(candidates, index: 0)
    }

    func connect(_ candidates: [SocketAddress], index: Int) {
        let address = candidates[index]
        emit(.phase(.tcp, "connecting to \(address)"))
        do {
            let fd = try TCPSocket.startConnect(to: address, userTimeout: options.tcpUserTimeout)
            stage = .connecting(fd: fd, candidates: candidates, index: index)
            try loop.add(fd: fd, events: .writable) { [weak self] _ in self?.connectReady() }
        } catch {
            connectFailed(candidates, index: index, error: error)
        }
    }

    func connectReady() {
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
            startTLS(transport: SocketByteTransport(fd: fd), address: address)
        }
    }

    func connectFailed(_ candidates: [SocketAddress], index: Int, error: SystemError) {
        if index + 1 < candidates.count {
            emit(.log("connecting to \(candidates[index]) failed (\(error)); trying the next address"))
            connect(candidates, index: index + 1)
        } else {
            finish(.connect(candidates[index].description, error))
        }
    }

    // MARK: - Proxy CONNECT (MS-SSTP 4.5)

    func startProxy(fd: Int32, address: SocketAddress) {
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

    func proxyReadable() {
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
        startTLS(transport: SocketByteTransport(fd: fd), address: address)
    }

    // MARK: - TLS

    func startTLS(transport: any ByteTransport, address: SocketAddress) {
        emit(.phase(.tls, "handshake with \(options.tls.serverName)"))
        let stream: TLSStream
        do {
            let context = try TLSClientContext(options.tls)
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
        let backend: SSTPClientCall.PPPBackend =
            options.backend == .pppd ? .external : .builtIn(options.pppConfiguration)
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
        case .connecting(let fd, _, _), .proxy(let fd, _):
            loop.remove(fd: fd)
            close(fd)
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
        if let pppd, pppd.isRunning { pppd.killNow() }
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
            // While pppd winds down, its exit status decides the outcome.
            apply(call?.transportClosed(detail, now: loop.now) ?? [])
        default:
            break
        }
    }
}

extension ClientTunnel {
    /// Why the outer connection ended, for the user. With TCP_USER_TIMEOUT
    /// set, the kernel ends a connection whose data stayed unacknowledged
    /// that long with ETIMEDOUT, or with the soft error it last saw (no
    /// route): say that it was the dead-peer bound, and which option sets it.
    static func transportDetail(_ error: TLSError?, userTimeout: Duration?) -> String {
        guard let error else { return "the server closed the TLS connection" }
        if let userTimeout, case .syscall(_, let code) = error, [ETIMEDOUT, EHOSTUNREACH, ENETUNREACH].contains(code) {
            let seconds = userTimeout.components.seconds
            return "the server acknowledged nothing for \(seconds) s (tcp-user-timeout): the path to it is gone "
                + "or it went away (\(error))"
        }
        return "\(error)"
    }
}
