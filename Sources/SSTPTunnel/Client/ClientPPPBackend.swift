public import PPP
public import SSTPCall
public import SSTPPlatform

/// Who runs PPP under a `ClientTunnel`: the seam between the tunnel (TCP,
/// TLS, HTTP, the SSTP call, the interface, routes and DNS) and a PPP
/// implementation, in the manner of wireguard-go's `tun.Device`. Two
/// implement it: `BuiltInPPPBackend` (the pure engine, which runs inside the
/// call, so it has nothing to do here) and pppd (`PPPDClientBackend` in the
/// PPPDBackend module: kernel PPP on a pty). The tunnel never asks which
/// one it has; where their behaviour differs it asks the questions below.
///
/// The tunnel asks (all on the event loop's thread):
/// - before connecting, `precheck()`;
/// - once the server's HTTP 200 came, `callBackend`: how the call runs PPP;
/// - for an external backend, the call's commands: `start()`
///   (`CallAction.startExternalPPP`), `callConnected()`
///   (`.externalCallConnected`), `terminate()` (`.stopExternalPPP`),
///   `lowerDown()` (`.externalLowerDown`), and every PPP frame from the
///   server (`CallData.externalPPP`) through `deliver(_:)`;
/// - when the tunnel ends, `stopNow()`.
///
/// A backend reports (`ClientPPPBackendEvent`, through the sink its factory
/// was given): the PPP frames to send, its phase, its authentication result
/// (the HLAK for the crypto binding), its network coming up (on its own
/// interface: `interface` is set by then) and its end.
public protocol ClientPPPBackend: AnyObject {
    /// How the call runs PPP: the built-in engine in the call, or frames
    /// handed out to this backend.
    var callBackend: SSTPClientCall.PPPBackend { get }
    /// What keeps this backend from running on this host (kernel PPP
    /// missing), found before connecting; nil when nothing does.
    func precheck() -> PPPFailure?
    /// True when the backend brings its own network interface and sets its
    /// addresses (pppd's pppN): the tunnel then makes no TUN and sets no
    /// address, only the routes and DNS on that interface. False: the
    /// tunnel makes the TUN and configures it.
    var ownsInterface: Bool { get }
    /// The backend's own interface, once its network is up (nil before, and
    /// always nil when it owns none).
    var interface: (name: String, index: Int32)? { get }
    /// Why a lost session cannot be reconnected with this backend (its
    /// interface goes with it), for the user; nil when it can.
    var reconnectUnsupported: String? { get }
    /// What to call it in a message ("pppd (/usr/sbin/pppd)").
    var name: String { get }

    /// Start PPP: SSTP is ready to carry it (Lower-Layer-Up).
    func start() throws(SystemError)
    /// A PPP frame from the server (`ff 03`, Protocol, Information). It can
    /// come before `start()` (the server's first LCP frame may share a read
    /// with CALL_CONNECT_ACK): keep it for PPP, do not drop it.
    func deliver(_ frame: UnsafeRawBufferPointer)
    /// The call is connected (CALL_CONNECTED is out): the network phase may
    /// go on.
    func callConnected()
    /// End the link (LCP Terminate), then report `finished`.
    func terminate()
    /// SSTP is gone under the link (Lower-Layer-Down).
    func lowerDown()
    /// The tunnel ends now: nothing of the backend may outlive it.
    func stopNow()
}

/// What a backend reports, in the engine's vocabulary.
public enum ClientPPPBackendEvent {
    /// A whole PPP frame to send to the server.
    case frame([UInt8])
    case phase(PPPPhase)
    /// Authentication succeeded; the result carries the HLAK (MS-SSTP 3.2.5.2).
    case authenticated(PPPAuthenticationResult)
    /// The network came up on the backend's interface (`interface`).
    case ipv4Up(IPv4Configuration)
    case ipv6Up(IPv6Configuration)
    case log(String)
    /// The link is over, with the failure that means (nil: none of PPP's).
    case finished(PPPFailure?)
}

extension ClientTunnel {
    /// Makes the tunnel's PPP backend from its options, on its loop, with the
    /// sink for the backend's events.
    public typealias BackendFactory =
        (ClientOptions, EventLoop, @escaping (ClientPPPBackendEvent) -> Void) -> any ClientPPPBackend

    /// The built-in engine (the default).
    public static var builtInBackend: BackendFactory { { options, _, _ in BuiltInPPPBackend(options: options) } }
}

/// The built-in PPP engine: it runs inside the pure call
/// (`SSTPClientCall.PPPBackend.builtIn`), over the TUN the tunnel makes, so
/// the call never hands this backend a command or a frame.
public final class BuiltInPPPBackend: ClientPPPBackend {
    let configuration: PPPClientConfiguration

    public init(options: ClientOptions) {
        configuration = options.pppConfiguration
    }

    public var callBackend: SSTPClientCall.PPPBackend { .builtIn(configuration) }
    public func precheck() -> PPPFailure? { nil }
    public var ownsInterface: Bool { false }
    public var interface: (name: String, index: Int32)? { nil }
    public var reconnectUnsupported: String? { nil }
    public var name: String { "the built-in PPP" }
    public func start() throws(SystemError) {}
    public func deliver(_ frame: UnsafeRawBufferPointer) {}
    public func callConnected() {}
    public func terminate() {}
    public func lowerDown() {}
    public func stopNow() {}
}
