import Glibc
import PPP
public import SSTPDBus
public import SSTPPlatform
import SSTPTLS
import PPPDBackend
import SSTPTunnel

/// org.freedesktop.NetworkManager.VPN.Plugin at
/// /org/freedesktop/NetworkManager/VPN/Plugin, as NetworkManager 1.42
/// drives it (shared/notes/networkmanager.md §2–4): one connection per
/// process; NetworkManager applies the addresses we report.
public final class NMVPNPlugin {
    public static let path = "/org/freedesktop/NetworkManager/VPN/Plugin"
    public static let interface = "org.freedesktop.NetworkManager.VPN.Plugin"
    static let errorPrefix = "org.freedesktop.NetworkManager.VPN.Error."

    /// NMVpnServiceState.
    public enum State: UInt32, Sendable {
        case unknown = 0, initial = 1, shutdown = 2, starting = 3, started = 4, stopping = 5, stopped = 6
    }

    /// NMVpnPluginFailure.
    public enum Failure: UInt32, Sendable {
        case loginFailed = 0, connectFailed = 1, badIPConfig = 2
    }

    let bus: DBusConnection
    unowned let loop: EventLoop
    let log: (String) -> Void
    /// Called once the plugin is STOPPED and has nothing left to do.
    public var onStopped: (() -> Void)?
    public private(set) var state = State.initial
    private var tunnel: ClientTunnel?
    private var pending: NMVPNSettings?
    private var configSent = false
    /// What the last Ip4Config/Ip6Config said (a reconnect compares).
    private var sentIPv4: IPv4Configuration?
    private var sentIPv6: IPv6Configuration?
    private var notedKeys: Set<String> = []
    /// The reply to Connect/ConnectInteractive, held while the tunnel gets
    /// through TCP, TLS, HTTP and SSTP (see `holdConnectReply`).
    private var connectReply: DBusDeferredReply?
    private var connectReplyTimer: EventLoop.TimerID?
    /// How long Connect's reply may wait: under NetworkManager's 10 s
    /// timeout for calls to the plugin (DBUS_DEFAULT_TIMEOUT_MSEC in
    /// nm-vpn-connection.c, 1.42).
    static let connectReplyWait: Duration = .seconds(8)

    public init(bus: DBusConnection, loop: EventLoop, log: @escaping (String) -> Void) {
        self.bus = bus
        self.loop = loop
        self.log = log
    }

    /// The exported object, declared once for dispatch and introspection.
    public func object() -> DBusObject {
        DBusObject(path: Self.path, interfaces: [Self.interfaceDeclaration(self)])
    }

    /// The interface; `plugin` nil gives the declaration alone (for the
    /// committed introspection XML).
    public static func interfaceDeclaration(_ plugin: NMVPNPlugin?) -> DBusInterface {
        let settings = DBusArgument("connection", "a{sa{sv}}")
        func call(_ body: @escaping (NMVPNPlugin, DBusMethodCall) throws -> [DBusValue]) -> (DBusMethodCall) throws
            -> [DBusValue]
        {
            { [weak plugin] c in
                guard let plugin else { throw DBusError.failed("the plugin is gone") }
                return try body(plugin, c)
            }
        }
        return DBusInterface(
            interface,
            methods: [
                DBusMethod(
                    "Connect", in: [settings],
                    handler: call { p, c in try p.connect(c.arguments[0], interactive: false, call: c) }),
                DBusMethod(
                    "ConnectInteractive", in: [settings, .init("details", "a{sv}")],
                    handler: call { p, c in try p.connect(c.arguments[0], interactive: true, call: c) }),
                DBusMethod(
                    "NeedSecrets", in: [settings], out: [.init("setting_name", "s")],
                    handler: call { p, c in try p.needSecrets(c.arguments[0]) }),
                DBusMethod("Disconnect", handler: call { p, _ in try p.disconnect() }),
                DBusMethod("SetConfig", in: [.init("config", "a{sv}")], handler: call { p, c in p.relay("Config", c) }),
                DBusMethod(
                    "SetIp4Config", in: [.init("config", "a{sv}")], handler: call { p, c in p.relay("Ip4Config", c) }),
                DBusMethod(
                    "SetIp6Config", in: [.init("config", "a{sv}")], handler: call { p, c in p.relay("Ip6Config", c) }),
                DBusMethod("SetFailure", in: [.init("reason", "s")], handler: call { p, _ in p.setFailure() }),
                DBusMethod("NewSecrets", in: [settings], handler: call { p, c in try p.newSecrets(c.arguments[0]) }),
            ],
            signals: [
                DBusSignal("StateChanged", [.init("state", "u")]),
                DBusSignal("SecretsRequired", [.init("message", "s"), .init("secrets", "as")]),
                DBusSignal("Config", [.init("config", "a{sv}")]),
                DBusSignal("Ip4Config", [.init("ip4config", "a{sv}")]),
                DBusSignal("Ip6Config", [.init("ip6config", "a{sv}")]),
                DBusSignal("LoginBanner", [.init("banner", "s")]),
                DBusSignal("Failure", [.init("reason", "u")]),
            ],
            properties: [
                DBusProperty(
                    "State", "u", emitsChange: false,
                    get: { [weak plugin] in .uint32((plugin?.state ?? .unknown).rawValue) })
            ])
    }

    static func error(_ nick: String, _ message: String) -> DBusError {
        DBusError(errorPrefix + nick, message)
    }

    // MARK: - Methods

    private func needSecrets(_ connection: DBusValue) throws -> [DBusValue] {
        let settings: NMVPNSettings
        do {
            settings = try NMVPNSettings(connection: connection)
        } catch {
            throw Self.error("InvalidConnection", error.description)
        }
        // "vpn" makes NetworkManager ask the secret agents (our auth dialog);
        // "" means nothing is missing.
        return [.string(settings.needsPassword ? "vpn" : "")]
    }

    private func connect(_ connection: DBusValue, interactive: Bool, call: DBusMethodCall) throws -> [DBusValue] {
        guard state == .initial || state == .stopped else {
            throw Self.error("WrongState", "already \(state); disconnect first")
        }
        var settings: NMVPNSettings
        do {
            settings = try NMVPNSettings(connection: connection)
            _ = try settings.clientOptions()
        } catch {
            log("refusing the connection: \(error.description)")
            throw Self.error("InvalidConnection", error.description)
        }
        setState(.starting)
        if settings.needsPassword {
            guard interactive else {
                setState(.stopped)
                throw Self.error("InvalidConnection", "no password was given for this VPN connection")
            }
            pending = settings
            let who = settings.pppUser ?? "the user"
            let message = "Password for \(who) on \(settings.gateway ?? "the SSTP server")"
            log("asking NetworkManager for the password (SecretsRequired)")
            try bus.emitSignal(
                path: Self.path, interface: Self.interface, name: "SecretsRequired",
                [.string(message), .strings(["password"])])
            return []
        }
        holdConnectReply(call)
        start(settings)
        return []
    }

    /// NetworkManager 1.42 turns every Failure but a login failure or a bad
    /// IP configuration into "Unknown reason" (nm-vpn-connection.c,
    /// _dbus_signal_failure_cb), but an error reply to Connect into
    /// SERVICE_START_FAILED ("The VPN service failed to start"), logging
    /// our message with the connection (connect_cb). So the reply waits
    /// until the tunnel is up, fails, or `connectReplyWait` has passed: a
    /// certificate, TLS, connect or server refusal within that time comes
    /// back as the reply's error.
    private func holdConnectReply(_ call: DBusMethodCall) {
        connectReply = call.deferReply()
        connectReplyTimer = loop.schedule(at: loop.now + Self.connectReplyWait) { [weak self] in
            self?.connectReplyTimer = nil
            self?.releaseConnectReply()
        }
    }

    /// Sends the held reply (success unless `error`); false if none was held.
    @discardableResult
    private func releaseConnectReply(_ error: DBusError? = nil) -> Bool {
        if let connectReplyTimer { loop.cancel(connectReplyTimer) }
        connectReplyTimer = nil
        guard let reply = connectReply else { return false }
        connectReply = nil
        reply.send(error.map { .failure($0) } ?? .success([]))
        return true
    }

    private func newSecrets(_ connection: DBusValue) throws -> [DBusValue] {
        guard state == .starting, var settings = pending else {
            throw Self.error("WrongState", "no secrets were asked for")
        }
        settings.merge(secretsFrom: connection)
        pending = nil
        if settings.needsPassword {
            fail(.loginFailed, "no password was given")
            throw Self.error("InvalidConnection", "no password was given")
        }
        start(settings)
        return []
    }

    private func start(_ settings: NMVPNSettings) {
        var settings = settings
        let options: ClientOptions
        do {
            options = try settings.clientOptions()
        } catch {
            fail(.connectFailed, error.description)
            return
        }
        for note in settings.notes where notedKeys.insert(note).inserted { log(note) }
        log("connecting to \(options.server):\(options.port) as \(options.ppp.userName)")
        configSent = false
        let tunnel = ClientTunnel(options: options, loop: loop, backend: PPPBackendChoice.factory(for: options)) {
            [weak self] event in self?.tunnelEvent(event)
        }
        self.tunnel = tunnel
        tunnel.start()
    }

    private func disconnect() throws -> [DBusValue] {
        releaseConnectReply()
        switch state {
        case .stopping: throw Self.error("StoppingInProgress", "already disconnecting")
        case .stopped: throw Self.error("AlreadyStopped", "not connected")
        case .initial, .unknown, .shutdown:
            setState(.stopped)
            finishSoon()
        case .starting:
            // NetworkManager's own plugins report a failed connect here.
            emitFailure(.connectFailed)
            stopTunnel()
        case .started:
            stopTunnel()
        }
        return []
    }

    private func stopTunnel() {
        setState(.stopping)
        pending = nil
        if let tunnel, !tunnel.isFinished {
            tunnel.disconnect()
        } else {
            setState(.stopped)
            finishSoon()
        }
    }

    private func relay(_ signal: String, _ call: DBusMethodCall) -> [DBusValue] {
        try? bus.emitSignal(path: Self.path, interface: Self.interface, name: signal, call.arguments)
        return []
    }

    private func setFailure() -> [DBusValue] {
        emitFailure(.badIPConfig)
        if state == .starting || state == .started { stopTunnel() }
        return []
    }

    // MARK: - The tunnel's events

    private func tunnelEvent(_ event: TunnelEvent) {
        switch event {
        case .phase(let phase, let detail), .phaseDone(let phase, let detail):
            log("[\(phase.rawValue)] \(detail)")
        case .log(let line):
            log(FrontEnd.networkManager.render(line))
        case .warning(let line):
            log("warning: \(FrontEnd.networkManager.render(line))")
        case .up(let status):
            releaseConnectReply()
            if configSent {
                resendConfiguration(status)
            } else {
                sendConfiguration(status)
            }
        case .ipv6Up(let status):
            if !configSent {
                sendConfiguration(status)
            } else {
                log("IPv6CP opened after IPv4 was reported; NetworkManager keeps the IPv4 configuration only")
            }
        case .reconnecting(let reconnect):
            // The plugin stays up: NetworkManager keeps the connection
            // active while the interface, its routes and DNS stay.
            log(FrontEnd.networkManager.render(reconnect.line))
        case .down(let failure):
            tunnel = nil
            if let failure {
                let message = failure.description(for: .networkManager)
                let code = Self.failureCode(failure)
                log("error: \(message)")
                if state == .stopping {
                    releaseConnectReply()
                } else {
                    report(code, message)
                }
            } else {
                releaseConnectReply()
                log("disconnected")
            }
            setState(.stopped)
            finishSoon()
        }
    }

    /// The Failure code for each failure (notes §3). NetworkManager 1.42
    /// shows LOGIN_FAILED as "Invalid secrets" (and asks again) and
    /// BAD_IP_CONFIG as "The VPN service returned invalid configuration";
    /// anything else is "Unknown reason", so the rest go out as an error
    /// reply to Connect while it is held (`holdConnectReply`) and always as
    /// a log line in NetworkManager's terms. Add new failure cases here.
    static func failureCode(_ failure: TunnelFailure) -> Failure {
        switch failure {
        case .ppp(.authenticationFailed): .loginFailed
        case .ppp(.badIPConfiguration): .badIPConfig
        case .resolve, .connect, .timeout, .proxy, .proxyResponse: .connectFailed
        case .tls, .http, .httpResponse, .sstp: .connectFailed
        case .ppp, .local: .connectFailed
        // The server ended a session that was up: NetworkManager has no
        // closer reason; the log line says which end it was.
        case .sessionEnded: .connectFailed
        }
    }

    /// Config, then Ip4Config (and Ip6Config), then STARTED (notes §4, §8).
    private func sendConfiguration(_ status: TunnelStatus) {
        guard !configSent, let v4 = status.ipv4 else { return }
        configSent = true
        var config: [String: DBusValue] = [
            "tundev": .string(status.interfaceName),
            "mtu": .uint32(UInt32(status.mtu)),
            "has-ip4": .boolean(true),
            "has-ip6": .boolean(status.ipv6 != nil),
        ]
        if status.serverAddress.count == 4 {
            config["gateway"] = .uint32(Self.nmIPv4(status.serverAddress))
        } else if status.serverAddress.count == 16 {
            config["gateway"] = .bytes(status.serverAddress)
        }
        do {
            try bus.emitSignal(path: Self.path, interface: Self.interface, name: "Config", [.vardict(config)])
            try sendIPConfiguration(v4, status.ipv6)
        } catch {
            log("cannot send the configuration to NetworkManager: \(error)")
        }
        log("up: \(status.summary)")
        setState(.started)
    }

    /// A session after a reconnect (vpn.persistent) that brought other
    /// addresses: Ip4Config (and Ip6Config) again, so that NetworkManager's
    /// view of the active connection follows.
    private func resendConfiguration(_ status: TunnelStatus) {
        guard let v4 = status.ipv4, v4 != sentIPv4 || status.ipv6 != sentIPv6 else { return }
        do {
            try sendIPConfiguration(v4, status.ipv6)
        } catch {
            log("cannot send the new configuration to NetworkManager: \(error)")
        }
        log("reconnected with new addresses: \(status.summary)")
    }

    /// Ip4Config, and Ip6Config when IPv6CP is up; remembers what was sent
    /// so that a reconnect sends them again only when they change.
    private func sendIPConfiguration(_ v4: IPv4Configuration, _ v6: IPv6Configuration?) throws(DBusError) {
        sentIPv4 = v4
        sentIPv6 = v6
        try bus.emitSignal(
            path: Self.path, interface: Self.interface, name: "Ip4Config", [.vardict(Self.ip4Config(v4))])
        if let v6 {
            try bus.emitSignal(
                path: Self.path, interface: Self.interface, name: "Ip6Config", [.vardict(Self.ip6Config(v6))])
        }
    }

    static func ip4Config(_ v4: IPv4Configuration) -> [String: DBusValue] {
        var ip4: [String: DBusValue] = [
            "address": .uint32(Self.nmIPv4(v4.local.bytes)),
            "prefix": .uint32(32),
            "dns": .array(elementSignature: "u", v4.dns.map { .uint32(Self.nmIPv4($0.bytes)) }),
            "nbns": .array(elementSignature: "u", v4.nbns.map { .uint32(Self.nmIPv4($0.bytes)) }),
        ]
        if let peer = v4.peer { ip4["ptp"] = .uint32(Self.nmIPv4(peer.bytes)) }
        return ip4
    }

    /// Ip6Config from IPv6CP. IPv6CP negotiates interface identifiers only
    /// (RFC 5072 section 4.1), so the addresses are link-local (section 5)
    /// and the tunnel routes no IPv6 anywhere: `never-default` keeps
    /// NetworkManager from adding its ::/0 route through the tunnel, which
    /// it does for every Ip6Config without it (nm-vpn-connection.c,
    /// _dbus_signal_ip_config_cb, 1.42), and which would win over the LAN's
    /// and swallow all IPv6 traffic.
    static func ip6Config(_ v6: IPv6Configuration) -> [String: DBusValue] {
        var ip6: [String: DBusValue] = [
            "address": .bytes(TunnelStatus.linkLocalBytes(v6.localInterfaceIdentifier)),
            "prefix": .uint32(64),
            "never-default": .boolean(true),
        ]
        if let peer = v6.peerInterfaceIdentifier {
            ip6["ptp"] = .bytes(TunnelStatus.linkLocalBytes(peer))
        }
        return ip6
    }

    /// NetworkManager copies an IPv4 u32 into an in_addr as it is, so the
    /// value holds the network-order bytes read in host order (notes §4).
    static func nmIPv4(_ bytes: [UInt8]) -> UInt32 {
        guard bytes.count == 4 else { return 0 }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    // MARK: - State

    private func setState(_ new: State) {
        guard new != state else { return }
        state = new
        try? bus.emitSignal(path: Self.path, interface: Self.interface, name: "StateChanged", [.uint32(new.rawValue)])
    }

    private func emitFailure(_ failure: Failure) {
        try? bus.emitSignal(path: Self.path, interface: Self.interface, name: "Failure", [.uint32(failure.rawValue)])
    }

    private func fail(_ failure: Failure, _ why: String) {
        log("error: \(why)")
        report(failure, why)
        setState(.stopped)
        finishSoon()
    }

    /// A connect failure goes back as the held Connect reply's error when
    /// there is one (see `holdConnectReply`); anything else, or later, as
    /// the Failure signal.
    private func report(_ failure: Failure, _ message: String) {
        if failure == .connectFailed, releaseConnectReply(Self.error("Failed", message)) { return }
        releaseConnectReply()
        emitFailure(failure)
    }

    /// After STOPPED the process quits (libnm plugins do with watch-peer),
    /// once the last signals are out.
    private func finishSoon() {
        loop.schedule(at: loop.now + .milliseconds(500)) { [weak self] in
            guard let self, self.state == .stopped else { return }
            self.onStopped?()
        }
    }

    /// NetworkManager left the bus: end the tunnel (notes §7, watch-peer).
    public func peerVanished() {
        log("NetworkManager left the bus; disconnecting")
        releaseConnectReply()
        switch state {
        case .starting, .started: stopTunnel()
        default:
            setState(.stopped)
            finishSoon()
        }
    }

    /// SIGTERM/SIGINT.
    public func terminate() {
        peerVanished()
    }
}
