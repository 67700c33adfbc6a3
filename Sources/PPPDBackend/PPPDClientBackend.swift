import CSSTPPlatform
public import PPP
public import SSTPCall
public import SSTPPlatform
public import SSTPTunnel

/// The pppd backend as a `ClientPPPBackend`: each `start()` runs a
/// `PPPDDriver` (pppd on a pty with our bridge plugin); pppd makes the pppN
/// interface and sets its addresses, the tunnel adds routes and DNS. A lost
/// session cannot be reconnected (the interface goes with pppd).
public final class PPPDClientBackend: ClientPPPBackend {
    let options: ClientOptions
    unowned let loop: EventLoop
    let emit: (ClientPPPBackendEvent) -> Void
    var driver: PPPDDriver?
    /// Frames delivered before `start()`: the server's first LCP
    /// Configure-Request can come in the same read as CALL_CONNECT_ACK,
    /// and the call hands it over before its start action is carried out.
    /// Dropping it would cost the server's 3 s restart timer (RFC 1661
    /// §4.6); a few are kept for pppd.
    var early: [[UInt8]] = []
    static let earlyLimit = 8
    public private(set) var interface: (name: String, index: Int32)?

    public init(options: ClientOptions, loop: EventLoop, events: @escaping (ClientPPPBackendEvent) -> Void) {
        self.options = options
        self.loop = loop
        emit = events
    }

    public var callBackend: SSTPClientCall.PPPBackend { .external }
    public var ownsInterface: Bool { true }
    public var name: String { "pppd (\(options.pppdPath))" }
    public var reconnectUnsupported: String? {
        "reconnect needs the built-in PPP (backend builtin): with pppd a lost session ends"
    }

    public func precheck() -> PPPFailure? {
        KernelPPP.problem().map { .localSetup($0) }
    }

    public func start() throws(SystemError) {
        let c = options.ppp
        let configuration = PPPDDriver.Configuration(
            pppdPath: options.pppdPath, pluginPath: options.pppdPluginPath, userName: c.userName, password: c.password,
            refused: c.refusedMethods.union(options.pppConfiguration.refusedAsWeak), requestIPv6: c.requestIPv6,
            mtu: options.mtu ?? ClientOptions.defaultMTU, keepalive: c.keepalive, unit: nil)
        let driver = PPPDDriver(configuration: configuration, loop: loop) { [weak self] event in
            self?.driverEvent(event)
        }
        self.driver = driver
        try driver.start()
        let held = early
        early = []
        for frame in held {
            frame.withUnsafeBytes { driver.deliver($0) }
        }
    }

    public func deliver(_ frame: UnsafeRawBufferPointer) {
        if let driver {
            driver.deliver(frame)
        } else if early.count < Self.earlyLimit {
            early.append(Array(frame))
        }
    }
    public func callConnected() { driver?.callConnected() }
    public func terminate() { driver?.terminate() }
    public func lowerDown() { driver?.lowerDown() }

    public func stopNow() {
        if let driver, driver.isRunning { driver.killNow() }
    }

    func driverEvent(_ event: PPPDDriver.Event) {
        switch event {
        case .frame(let frame): emit(.frame(frame))
        case .phase(let phase): emit(.phase(phase))
        case .authenticated(let result): emit(.authenticated(result))
        case .ipv4Up(let name, let config):
            interface = (name, csstp_if_index(name))
            emit(.ipv4Up(config))
        case .ipv6Up(let name, let config):
            interface = interface ?? (name, csstp_if_index(name))
            emit(.ipv6Up(config))
        case .log(let line): emit(.log(line))
        case .finished(let failure): emit(.finished(failure))
        }
    }
}

/// The PPP backend `ClientOptions.backend` names, for the front ends to give
/// `ClientTunnel` (the one place that maps the option to a backend).
public enum PPPBackendChoice {
    public static func factory(for options: ClientOptions) -> ClientTunnel.BackendFactory {
        switch options.backend {
        case .userspace:
            return ClientTunnel.builtInBackend
        case .pppd:
            return { options, loop, events in PPPDClientBackend(options: options, loop: loop, events: events) }
        }
    }
}
