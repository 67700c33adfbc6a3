import CSSTPPlatform
import Glibc
import PPP
import PPPDBridge
import SSTPCrypto
import SSTPPlatform

/// The kernel-PPP backend: Debian's pppd on a pty, speaking async HDLC
/// (RFC 1662) that we decode into bare PPP frames for SSTP and encode the
/// other way, with our pppd plugin (nm-plugin/pppd) reporting back over a
/// Unix socket whose peer we check with SO_PEERCRED. The password crosses
/// only that socket; pppd's command line carries none.
final class PPPDDriver {
    struct Configuration {
        var pppdPath = "/usr/sbin/pppd"
        var pluginPath: String
        var userName: String
        var password: String
        var refused: Set<PPPAuthenticationMethod>
        var requestIPv6: Bool
        var mtu: Int
        var keepalive: PPPKeepalive
        var unit: Int?
    }

    /// What the driver reports, in the engine's vocabulary where it can.
    enum Event {
        case frame([UInt8])
        case phase(PPPPhase)
        case authenticated(PPPAuthenticationResult)
        case ipv4Up(interface: String, IPv4Configuration)
        case ipv6Up(interface: String, IPv6Configuration)
        case log(String)
        case finished(PPPFailure?)
    }

    unowned let loop: EventLoop
    let configuration: Configuration
    let emit: (Event) -> Void
    private var terminal: Int32 = -1
    private var listener: PrivateUnixListener?
    private var bridge: Int32 = -1
    private var log: LogPipe?
    private var exitWatcher: ProcessExitWatcher?
    private(set) var pid: pid_t = 0
    private var decoder = HDLCCodec()
    private var bridgeDeframer = BridgeDeframer()
    private var authAckPending = false
    private var finished = false
    private var lastPhase: UInt32 = 0
    private var reportedFailure: PPPFailure?
    private var reportedStatus: UInt32?
    private var authenticationRefused: String?
    private var terminationRequested = false
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)

    init(configuration: Configuration, loop: EventLoop, emit: @escaping (Event) -> Void) {
        self.configuration = configuration
        self.loop = loop
        self.emit = emit
    }

    deinit {
        readBuffer.deallocate()
    }

    var isRunning: Bool { pid > 0 && !finished }

    // MARK: - Start

    /// Starts pppd (Lower-Layer-Up for the kernel's PPP): the plugin's
    /// socket, the pty, the log pipe, pppd on the pty's slave, its exit
    /// watched through a pidfd (the platform's pieces). A failure leaves
    /// nothing open.
    func start() throws(SystemError) {
        do {
            try launch()
        } catch {
            if pid > 0 { killNow() } else { cleanup() }
            throw error
        }
    }

    private func launch() throws(SystemError) {
        // Only our pppd (or root acting for it) may speak for the link; the
        // pid is added once pppd runs.
        let listener = try PrivateUnixListener(
            prefix: "sstp-pppd", name: "bridge.sock", loop: loop, rule: PeerCredentialRule(uids: [0]),
            onAccept: { [weak self] fd, credentials in self?.acceptBridge(fd, credentials) },
            onRefused: { [weak self] credentials in self?.refusedBridge(credentials) })
        self.listener = listener
        let pty = try PseudoTerminal.open()
        terminal = pty.master
        let log = try LogPipe(loop: loop) { [weak self] line in self?.emit(.log("pppd: \(line)")) }
        self.log = log
        let argv = arguments(tty: pty.slavePath, socketPath: listener.path)
        emit(.log("starting \(argv.joined(separator: " "))"))
        do {
            pid = try ChildProcess.spawn(argv, terminal: pty.slavePath, descriptor3: log.writeEnd)
        } catch {
            log.closeWriteEnd()
            throw error
        }
        log.closeWriteEnd()
        listener.rule.pids = [pid]
        exitWatcher = try ProcessExitWatcher.watch(pid, loop: loop) { [weak self] status in
            self?.finish(status: status)
        }
        try loop.add(fd: terminal, events: .readable) { [weak self] _ in self?.ttyReadable() }
    }

    /// pppd's command line. The options keep pppd out of SSTP's way: no CCP
    /// or MPPE (TLS protects the data; MS-SSTP runs none), no compression,
    /// address and control fields kept, our refusals, no routes or DNS files
    /// of its own; the password comes through the plugin.
    func arguments(tty: String, socketPath: String) -> [String] {
        let c = configuration
        // logfd first: until pppd reads it, pppd logs to stdout, which is
        // the tty, and the log text would mix with the HDLC stream.
        var a = [c.pppdPath, tty, "38400", "logfd", "3"]
        a += ["plugin", c.pluginPath, "sstp-bridge-socket", socketPath]
        a += ["user", c.userName, "remotename", "sstp"]
        a += ["nodetach", "noauth", "local", "nocrtscts", "nolock", "noipdefault", "nodefaultroute", "usepeerdns"]
        a += ["noccp", "nobsdcomp", "nodeflate", "novj", "nopcomp", "noaccomp", "default-asyncmap"]
        a += ["mtu", String(c.mtu), "mru", String(c.mtu)]
        // MS-CHAPv1's keys are not an SSTP HLAK: never use it.
        a.append("refuse-mschap")
        if c.refused.contains(.pap) { a.append("refuse-pap") }
        if c.refused.contains(.chapMD5) { a.append("refuse-chap") }
        if c.refused.contains(.mschapv2) { a.append("refuse-mschap-v2") }
        if c.refused.contains(.eapMSCHAPv2) { a.append("refuse-eap") }
        if c.requestIPv6 { a.append("+ipv6") } else { a.append("noipv6") }
        if c.keepalive.interval > .zero {
            let seconds = Int(c.keepalive.interval.components.seconds)
            a += ["lcp-echo-interval", String(seconds), "lcp-echo-failure", String(c.keepalive.failureLimit)]
        }
        if let unit = c.unit { a += ["unit", String(unit)] }
        // Debian's ip-up.d/0000usepeerdns rewrites /etc/resolv.conf unless
        // ipparam looks like a NetworkManager plugin's; DNS is ours to set.
        a += ["ipparam", "nm-sstp-service-\(getpid())"]
        return a
    }

    // MARK: - The pty: HDLC in and out

    private func ttyReadable() {
        while true {
            let n = read(terminal, readBuffer.baseAddress, readBuffer.count)
            if n <= 0 {
                if n < 0, errno == EAGAIN || errno == EINTR { return }
                // EIO: pppd closed the tty.
                loop.remove(fd: terminal)
                return
            }
            decoder.decode(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n])) { result in
                switch result {
                case .success(let frame): emit(.frame(frame))
                case .failure(let error): emit(.log("pppd: dropped a frame from the pty: \(error)"))
                }
            }
        }
    }

    /// A PPP frame from SSTP to pppd.
    func deliver(_ frame: UnsafeRawBufferPointer) {
        guard terminal >= 0, !finished else { return }
        noteAuthenticationFailure(frame)
        let bytes = decoder.encode(Array(frame))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(terminal, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                // The tty queue is full: drop, as a line would.
                return
            }
            offset += n
        }
    }

    /// The server's refusal of our credentials, seen on its way to pppd:
    /// CHAP/MS-CHAP Failure (RFC 1994 §4.2, code 4), PAP Authenticate-Nak
    /// (RFC 1334 §2.2.2, code 3), EAP Failure (RFC 3748 §4.2, code 4). pppd
    /// reports it only through its exit status, which a hangup or our
    /// SIGTERM overwrites when the SSTP call ends first; so it is recorded
    /// here, where no race can lose it.
    private func noteAuthenticationFailure(_ frame: UnsafeRawBufferPointer) {
        guard reportedFailure == nil, authenticationRefused == nil,
            let (protocolNumber, headerLength) = PPPFrameHeader.decode(frame), frame.count > headerLength
        else { return }
        let code = frame[headerLength]
        switch (protocolNumber, code) {
        case (0xc223, 4): authenticationRefused = "the server refused the CHAP/MS-CHAP login"
        case (0xc023, 3): authenticationRefused = "the server refused the PAP login"
        case (0xc227, 4): authenticationRefused = "the server refused the EAP login"
        default: break
        }
    }

    // MARK: - The plugin's socket

    private func acceptBridge(_ fd: Int32, _ credentials: UnixSocket.Credentials) {
        guard bridge < 0 else {
            refusedBridge(credentials)
            close(fd)
            return
        }
        bridge = fd
        do {
            try loop.add(fd: fd, events: .readable) { [weak self] _ in self?.bridgeReadable() }
        } catch {
            close(fd)
            bridge = -1
        }
    }

    private func refusedBridge(_ credentials: UnixSocket.Credentials) {
        emit(.log("refused a bridge connection from pid \(credentials.pid) uid \(credentials.uid)"))
    }

    private func bridgeReadable() {
        let n = read(bridge, readBuffer.baseAddress, readBuffer.count)
        if n <= 0 {
            if n < 0, errno == EAGAIN || errno == EINTR { return }
            loop.remove(fd: bridge)
            close(bridge)
            bridge = -1
            return
        }
        let messages: [BridgeMessage]
        do {
            messages = try bridgeDeframer.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
        } catch {
            emit(.log("the pppd plugin sent a malformed message: \(error)"))
            send(.failure("malformed message"))
            terminate()
            return
        }
        for message in messages { handle(message) }
    }

    private func handle(_ message: BridgeMessage) {
        switch message {
        case .hello(let version, let helloPID, let protocolVersion, _):
            emit(.log("pppd \(version) (pid \(helloPID)) loaded the bridge plugin, protocol \(protocolVersion)"))
        case .passwordRequest(let user):
            guard user == configuration.userName else {
                send(.passwordRefused(reason: "pppd asked for the password of another user"))
                return
            }
            send(.password(configuration.password))
        case .phase(let phase):
            lastPhase = phase
            if let mapped = Self.phase(phase) { emit(.phase(mapped)) }
        case .authUp(let sendKey, let receiveKey):
            let result: PPPAuthenticationResult
            if let sendKey, let receiveKey, sendKey.count == 16, receiveKey.count == 16 {
                // pppd's mppe_send_key / mppe_recv_key are the client's
                // MasterSendKey / MasterReceiveKey (RFC 3079): the HLAK is
                // send | receive (MS-SSTP 3.2.5.2.1).
                result = PPPAuthenticationResult(
                    method: nil, userName: configuration.userName, mppeKeys: nil,
                    higherLayerAuthenticationKey: HigherLayerAuthenticationKey(keyMaterial: sendKey + receiveKey))
            } else {
                result = PPPAuthenticationResult(
                    method: nil, userName: configuration.userName, mppeKeys: nil, higherLayerAuthenticationKey: .zero)
            }
            authAckPending = true
            emit(.authenticated(result))
        case .ipUp(let interface, let local, let peer, let dns, let mtu):
            guard local.count == 4 else { return }
            let config = IPv4Configuration(
                local: Self.ipv4(local), peer: peer.map(Self.ipv4), dns: dns.filter { $0.count == 4 }.map(Self.ipv4),
                nbns: [], mtu: Int(mtu))
            emit(.ipv4Up(interface: interface, config))
        case .ipv6Up(let interface, let local, let peer):
            emit(
                .ipv6Up(
                    interface: interface,
                    IPv6Configuration(
                        localInterfaceIdentifier: local, peerInterfaceIdentifier: peer, mtu: configuration.mtu)))
        case .exit(let status):
            reportedStatus = status
            reportedFailure = PPPDExitPolicy.failure(exitStatus: Int32(status), lastPhase: lastPhase)
        case .password, .passwordRefused, .authAck, .failure:
            emit(.log("the pppd plugin sent a service message; ignored"))
        }
    }

    /// Called once SSTP's CALL_CONNECTED is out: pppd may go on to IPCP.
    func callConnected() {
        guard authAckPending else { return }
        authAckPending = false
        send(.authAck)
    }

    private func send(_ message: BridgeMessage) {
        guard bridge >= 0 else { return }
        let bytes = message.encoded()
        _ = bytes.withUnsafeBytes { write(bridge, $0.baseAddress, $0.count) }
    }

    static func ipv4(_ b: [UInt8]) -> IPv4Address {
        IPv4Address(b[0], b[1], b[2], b[3])
    }

    /// pppd's PHASE_* numbers (pppd.h): 0 DEAD, 4 ESTABLISH,
    /// 5 AUTHENTICATE, 6 CALLBACK, 7 NETWORK, 8 RUNNING, 9 TERMINATE,
    /// 10 DISCONNECT.
    static func phase(_ value: UInt32) -> PPPPhase? {
        switch value {
        case 0: .dead
        case 4: .establish
        case 5, 6: .authenticate
        case 7, 8: .network
        case 9, 10: .terminate
        default: nil
        }
    }

    // MARK: - The end

    private func finish(status: Int32) {
        guard !finished else { return }
        finished = true
        let failure = PPPDExitPolicy.outcome(
            status: status, reportedStatus: reportedStatus, reportedFailure: reportedFailure, lastPhase: lastPhase,
            terminationRequested: terminationRequested, authenticationRefused: authenticationRefused)
        emit(.log("pppd exited with status \(status)"))
        cleanup()
        emit(.finished(failure))
    }

    /// Asks pppd to end the link (SIGTERM: it sends LCP Terminate-Request),
    /// and kills it if it has not gone after a grace period.
    func terminate() {
        guard pid > 0, !finished else {
            cleanup()
            return
        }
        terminationRequested = true
        kill(pid, SIGTERM)
        let victim = pid
        loop.schedule(at: loop.now + .seconds(3)) { [weak self] in
            guard let self, !self.finished else { return }
            kill(victim, SIGKILL)
        }
    }

    /// The SSTP link is gone. A pppd already ending the link on its own
    /// (terminate, disconnect or dead phase: the server refused the
    /// password, say) is given time to exit with its own status, which a
    /// SIGTERM would turn into "user request"; any other pppd is stopped now.
    func lowerDown() {
        guard pid > 0, !finished else {
            cleanup()
            return
        }
        if [0, 9, 10].contains(lastPhase) {
            loop.schedule(at: loop.now + .seconds(2)) { [weak self] in self?.terminate() }
        } else {
            terminate()
        }
    }

    /// The last resort when the tunnel must end now: no pppd may outlive us.
    func killNow() {
        guard pid > 0, !finished else {
            cleanup()
            return
        }
        ChildProcess.killAndReap(pid)
        finished = true
        cleanup()
    }

    private func cleanup() {
        for fd in [terminal, bridge] where fd >= 0 {
            loop.remove(fd: fd)
            close(fd)
        }
        terminal = -1
        bridge = -1
        log?.close()
        log = nil
        exitWatcher?.stop()
        exitWatcher = nil
        listener?.close()
        listener = nil
    }
}
