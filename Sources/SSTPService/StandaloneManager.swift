import Glibc
import PPP
public import SSTPDBus
public import SSTPPlatform
import SSTPTLS
import PPPDBackend
import SSTPTunnel

/// The service's own API for use without NetworkManager (busctl, scripts):
/// a versioned name and interfaces per the D-Bus API design guidelines.
///
///   net.sstpclient.Client1 at /net/sstpclient/Client1
///     net.sstpclient.Client1.Manager: Connect(a{sv}) -> o, Disconnect(o), Connections (ao),
///     ConnectionRemoved(o, s state, s failure_reason)
///   /net/sstpclient/Client1/Connection/N (gone once the connection ended)
///     net.sstpclient.Client1.Connection: Disconnect(); State, Phase, Interface, Addresses, Server,
///     BytesIn, BytesOut, FailureReason, ReconnectReason, ReconnectAttempt; StateChanged(s), Failure(s)
public final class StandaloneManager {
    public static let busName = "net.sstpclient.Client1"
    public static let path = "/net/sstpclient/Client1"
    public static let managerInterface = "net.sstpclient.Client1.Manager"
    public static let connectionInterface = "net.sstpclient.Client1.Connection"

    let bus: DBusConnection
    unowned let loop: EventLoop
    let log: (String) -> Void
    private var connections: [Int: ManagedConnection] = [:]
    private var nextID = 1
    /// Called when no connection has existed for `idleTimeout`.
    public var onIdle: (() -> Void)?
    public var idleTimeout: Duration = .seconds(30)
    private var idleTimer: EventLoop.TimerID?

    public init(bus: DBusConnection, loop: EventLoop, log: @escaping (String) -> Void) {
        self.bus = bus
        self.loop = loop
        self.log = log
    }

    public func object() -> DBusObject {
        DBusObject(path: Self.path, interfaces: [Self.managerDeclaration(self)])
    }

    public static func managerDeclaration(_ manager: StandaloneManager?) -> DBusInterface {
        DBusInterface(
            managerInterface,
            methods: [
                DBusMethod(
                    "Connect", in: [.init("options", "a{sv}")], out: [.init("connection", "o")], needsCallerUID: true
                ) {
                    [weak manager] call in
                    guard let manager else { throw DBusError.failed("shutting down") }
                    return try manager.connect(call)
                },
                DBusMethod("Disconnect", in: [.init("connection", "o")], needsCallerUID: true) { [weak manager] call in
                    guard let manager else { throw DBusError.failed("shutting down") }
                    try manager.requireRoot(call)
                    guard case .objectPath(let path) = call.arguments[0],
                        let c = manager.connections.values.first(where: { $0.path == path })
                    else { throw DBusError.invalidArgs("no such connection") }
                    c.disconnect()
                    return []
                },
            ],
            signals: [
                DBusSignal(
                    "ConnectionRemoved",
                    [.init("connection", "o"), .init("state", "s"), .init("failure_reason", "s")])
            ],
            properties: [
                DBusProperty("Connections", "ao") { [weak manager] in
                    .array(
                        elementSignature: "o",
                        (manager?.connections.keys.sorted() ?? []).compactMap {
                            manager?.connections[$0].map { .objectPath($0.path) }
                        })
                }
            ])
    }

    public static func connectionDeclaration(_ c: ManagedConnection?) -> DBusInterface {
        DBusInterface(
            connectionInterface,
            methods: [
                DBusMethod("Disconnect", needsCallerUID: true) { [weak c] call in
                    guard let c else { throw DBusError.failed("gone") }
                    try c.manager?.requireRoot(call)
                    c.disconnect()
                    return []
                }
            ],
            signals: [
                DBusSignal("StateChanged", [.init("state", "s")]),
                DBusSignal("Failure", [.init("reason", "s")]),
            ],
            properties: [
                DBusProperty("State", "s") { [weak c] in .string(c?.state ?? "disconnected") },
                DBusProperty("Phase", "s") { [weak c] in .string(c?.phase ?? "") },
                DBusProperty("Interface", "s") { [weak c] in .string(c?.interfaceName ?? "") },
                DBusProperty("Addresses", "as") { [weak c] in .strings(c?.addresses ?? []) },
                DBusProperty("Server", "s") { [weak c] in .string(c?.server ?? "") },
                DBusProperty("BytesIn", "t", emitsChange: false) { [weak c] in .uint64(c?.tunnel?.bytesIn ?? 0) },
                DBusProperty("BytesOut", "t", emitsChange: false) { [weak c] in .uint64(c?.tunnel?.bytesOut ?? 0) },
                DBusProperty("FailureReason", "s") { [weak c] in .string(c?.failureReason ?? "") },
                DBusProperty("ReconnectReason", "s") { [weak c] in .string(c?.reconnectReason ?? "") },
                DBusProperty("ReconnectAttempt", "u") { [weak c] in .uint32(c?.reconnectAttempt ?? 0) },
            ])
    }

    /// Only root may connect or disconnect (the bus policy says so too).
    func requireRoot(_ call: DBusMethodCall) throws {
        guard call.callerUID == 0 else {
            throw DBusError.accessDenied("only root may start or stop SSTP connections")
        }
    }

    private func connect(_ call: DBusMethodCall) throws -> [DBusValue] {
        try requireRoot(call)
        guard let dict = call.arguments[0].stringKeyedDictionary else { throw DBusError.invalidArgs("options: a{sv}") }
        let options: ClientOptions
        do {
            options = try StandaloneOptions.parse(dict)
        } catch {
            throw DBusError.invalidArgs(error.description)
        }
        let id = nextID
        nextID += 1
        let connection = ManagedConnection(id: id, manager: self, options: options)
        connections[id] = connection
        cancelIdle()
        bus.export(connection.object())
        bus.propertiesChanged(path: Self.path, interface: Self.managerInterface, names: ["Connections"])
        log("connection \(id): connecting to \(options.server):\(options.port) as \(options.ppp.userName)")
        connection.start()
        return [.objectPath(connection.path)]
    }

    /// A connection ended (its last StateChanged and Failure are out): it
    /// leaves Connections and the bus at once, and ConnectionRemoved carries
    /// its outcome for clients that did not watch the object.
    func finished(_ connection: ManagedConnection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        bus.unexport(path: connection.path)
        bus.propertiesChanged(path: Self.path, interface: Self.managerInterface, names: ["Connections"])
        try? bus.emitSignal(
            path: Self.path, interface: Self.managerInterface, name: "ConnectionRemoved",
            [.objectPath(connection.path), .string(connection.state), .string(connection.failureReason)])
        if connections.isEmpty { armIdle() }
    }

    /// Starts the idle timer (also at start-up, for D-Bus activation).
    public func armIdle() {
        cancelIdle()
        idleTimer = loop.schedule(at: loop.now + idleTimeout) { [weak self] in
            guard let self, self.connections.isEmpty else { return }
            self.log("idle for \(self.idleTimeout); exiting")
            self.onIdle?()
        }
    }

    private func cancelIdle() {
        if let idleTimer { loop.cancel(idleTimer) }
        idleTimer = nil
    }

    /// SIGTERM: disconnect everything.
    public func terminate() {
        for c in connections.values { c.disconnect() }
    }

    public var activeCount: Int { connections.values.filter { $0.tunnel != nil }.count }
}

/// One connection of the standalone API.
public final class ManagedConnection {
    let id: Int
    weak var manager: StandaloneManager?
    let options: ClientOptions
    var tunnel: ClientTunnel?
    var state = "connecting"
    var phase = ""
    var interfaceName = ""
    var addresses: [String] = []
    var failureReason = ""
    /// Why the last call ended and which attempt comes next, while
    /// reconnecting (issue 14); kept once connected again.
    var reconnectReason = ""
    var reconnectAttempt: UInt32 = 0
    var server: String { HostPort(host: options.server, port: options.port).description }
    var path: String { "\(StandaloneManager.path)/Connection/\(id)" }

    init(id: Int, manager: StandaloneManager, options: ClientOptions) {
        self.id = id
        self.manager = manager
        self.options = options
    }

    func object() -> DBusObject {
        DBusObject(path: path, interfaces: [StandaloneManager.connectionDeclaration(self)])
    }

    func start() {
        guard let manager else { return }
        let tunnel = ClientTunnel(
            options: options, loop: manager.loop, backend: PPPBackendChoice.factory(for: options)
        ) { [weak self] event in self?.event(event) }
        self.tunnel = tunnel
        tunnel.start()
    }

    func disconnect() {
        guard let tunnel, !tunnel.isFinished else { return }
        setState("disconnecting")
        tunnel.disconnect()
    }

    private func event(_ event: TunnelEvent) {
        guard let manager else { return }
        switch event {
        case .phase(let p, let detail):
            phase = p.rawValue
            manager.bus.propertiesChanged(
                path: path, interface: StandaloneManager.connectionInterface, names: ["Phase"])
            manager.log("connection \(id): [\(p.rawValue)] \(detail)")
        case .phaseDone(let p, let detail):
            manager.log("connection \(id): [\(p.rawValue)] \(detail)")
        case .log(let line):
            manager.log("connection \(id): \(line)")
        case .warning(let line):
            manager.log("connection \(id): warning: \(FrontEnd.dbus.render(line))")
        case .up(let status), .ipv6Up(let status):
            interfaceName = status.interfaceName
            var list: [String] = []
            if let v4 = status.ipv4 { list.append("\(v4.local)/32") }
            if let v6 = status.ipv6 { list.append("\(TunnelStatus.linkLocal(v6.localInterfaceIdentifier))/64") }
            addresses = list
            manager.bus.propertiesChanged(
                path: path, interface: StandaloneManager.connectionInterface, names: ["Interface", "Addresses"])
            setState("connected")
            manager.log("connection \(id): up: \(status.summary)")
        case .reconnecting(let reconnect):
            reconnectReason = FrontEnd.dbus.render(reconnect.reason)
            reconnectAttempt = UInt32(clamping: reconnect.attempt)
            manager.bus.propertiesChanged(
                path: path, interface: StandaloneManager.connectionInterface,
                names: ["ReconnectReason", "ReconnectAttempt"])
            manager.log("connection \(id): \(FrontEnd.dbus.render(reconnect.line))")
            setState("reconnecting")
        case .down(let failure):
            tunnel = nil
            if let failure {
                failureReason = failure.description(for: .dbus)
                manager.bus.propertiesChanged(
                    path: path, interface: StandaloneManager.connectionInterface, names: ["FailureReason"])
                try? manager.bus.emitSignal(
                    path: path, interface: StandaloneManager.connectionInterface, name: "Failure",
                    [.string(failureReason)])
                manager.log("connection \(id): error: \(failureReason)")
                setState("failed")
            } else {
                setState("disconnected")
            }
            interfaceName = ""
            addresses = []
            manager.finished(self)
        }
    }

    private func setState(_ new: String) {
        guard new != state, let manager else { return }
        state = new
        manager.bus.propertiesChanged(path: path, interface: StandaloneManager.connectionInterface, names: ["State"])
        try? manager.bus.emitSignal(
            path: path, interface: StandaloneManager.connectionInterface, name: "StateChanged", [.string(new)])
    }
}
