import Glibc
import PPP
import SSTPCall
import SSTPPlatform
import Testing

@testable import SSTPTunnel

/// An external PPP backend that is no pppd: the pure engine run outside the
/// call, the way pppd runs (on its own interface, each frame and command
/// but the start taken up on a later turn of the loop, as a process
/// would). It drives ClientTunnel through `ClientPPPBackend` alone.
final class FakeExternalBackend: ClientPPPBackend {
    enum Command: Equatable {
        case start, callConnected, terminate, lowerDown, stopNow
    }

    unowned let loop: EventLoop
    let emit: (ClientPPPBackendEvent) -> Void
    let configuration: PPPClientConfiguration
    var problem: PPPFailure?
    var engine: PPPClient?
    var timers: [PPPTimer: EventLoop.TimerID] = [:]
    private(set) var commands: [Command] = []
    /// IP packets the server sent (the data frames' Information fields).
    private(set) var received: [[UInt8]] = []
    private(set) var interface: (name: String, index: Int32)?

    init(options: ClientOptions, loop: EventLoop, events: @escaping (ClientPPPBackendEvent) -> Void) {
        self.loop = loop
        emit = events
        configuration = options.pppConfiguration
    }

    var callBackend: SSTPClientCall.PPPBackend { .external }
    func precheck() -> PPPFailure? { problem }
    var ownsInterface: Bool { true }
    var reconnectUnsupported: String? { "the fake backend cannot reconnect" }
    var name: String { "the fake backend" }

    func start() throws(SystemError) {
        commands.append(.start)
        engine = PPPClient(configuration: configuration)
        // At once: the call may already have handed over the server's
        // first LCP frame (it came with CALL_CONNECT_ACK), which is taken up
        // on the loop's next turn.
        handle(.lowerUp)
    }

    func deliver(_ frame: UnsafeRawBufferPointer) {
        let bytes = Array(frame)
        loop.schedule(at: loop.now) { [weak self] in
            guard let self else { return }
            if bytes.count > 4, bytes[2] == 0x00, bytes[3] == 0x21 {
                received.append(Array(bytes[4...]))
            } else {
                handle(.frame(bytes))
            }
        }
    }

    func callConnected() { commands.append(.callConnected) }

    func terminate() {
        commands.append(.terminate)
        later(.close("user request"))
    }

    func lowerDown() {
        commands.append(.lowerDown)
        later(.lowerDown)
    }

    func stopNow() {
        commands.append(.stopNow)
        for id in timers.values { loop.cancel(id) }
        timers = [:]
        engine = nil
    }

    /// An IP packet out through the backend's interface.
    func sendIP(_ packet: [UInt8]) {
        emit(.frame([0xff, 0x03, 0x00, 0x21] + packet))
    }

    private func later(_ event: PPPEvent) {
        loop.schedule(at: loop.now) { [weak self] in self?.handle(event) }
    }

    private func handle(_ event: PPPEvent) {
        guard var engine else { return }
        let actions = engine.handle(event, now: loop.now)
        self.engine = engine
        for action in actions {
            switch action {
            case .send(let frame): emit(.frame(frame))
            case .setTimer(let timer, let deadline):
                if let old = timers[timer] { loop.cancel(old) }
                timers[timer] = loop.schedule(at: deadline) { [weak self] in
                    self?.timers[timer] = nil
                    self?.handle(.timerExpired(timer))
                }
            case .cancelTimer(let timer):
                if let old = timers.removeValue(forKey: timer) { loop.cancel(old) }
            case .phase(let phase): emit(.phase(phase))
            case .authenticated(let result): emit(.authenticated(result))
            case .ipv4Up(let config):
                interface = ("fake-ppp0", 77)
                emit(.ipv4Up(config))
            case .ipv6Up(let config): emit(.ipv6Up(config))
            case .ipv4Down, .ipv6Down, .eapToBackend: break
            case .linkDown(let failure):
                self.engine = nil
                // As pppd's exit status reads after our SIGTERM: no failure.
                emit(.finished(failure == .closedLocally ? nil : failure))
                return
            case .log(let line), .warning(let line): emit(.log(line))
            }
        }
    }
}

/// ClientTunnel with an external backend, against the whole bundled server
/// in one process (InProcessTests' rig): the tunnel asks the backend who
/// makes the interface, who sets addresses, whether it may reconnect and
/// what keeps it from running; it hands the backend the call's commands and
/// frames, and carries the backend's frames, authentication and network.
@Suite(.serialized) struct ExternalBackendTests {
    typealias Rig = InProcessTests.Rig

    /// A rig whose client runs a `FakeExternalBackend`; the backend is the
    /// one the tunnel made.
    static func rig(password: String = "secret", reconnect: Bool = false) throws -> (Rig, () -> FakeExternalBackend?) {
        var made: FakeExternalBackend?
        let rig = try Rig(password: password, reconnect: reconnect) { options, loop, events in
            let backend = FakeExternalBackend(options: options, loop: loop, events: events)
            made = backend
            return backend
        }
        return (rig, { made })
    }

    @Test func upOnTheBackendsInterfaceThenDisconnectThroughIt() throws {
        let (rig, made) = try Self.rig()
        try rig.runUntilUp()
        let status = try #require(rig.up, "not up: \(String(describing: rig.down))")
        let backend = try #require(made())
        #expect(backend.commands == [.start, .callConnected])
        #expect(status.interfaceName == "fake-ppp0")
        #expect(status.interfaceIndex == 77)
        let assigned = try #require(status.ipv4?.local)
        #expect(assigned == IPv4Address(10, 77, 0, 2))
        // No TUN was made, no address set: the backend's interface has its
        // own. The routes and DNS go on it.
        #expect(rig.client.interfaceName == nil)
        let applied = rig.network.applied
        #expect(!applied.contains { if case .address = $0 { true } else { false } }, "\(applied)")
        #expect(applied.contains(.tunnelRoute(destination: [0, 0, 0, 0], prefixLength: 1, interface: 77, metric: nil)))
        #expect(applied.contains(.serverRoute(InProcessTests.serverPeer.address)))
        #expect(
            applied.contains(.dns(interface: "fake-ppp0", servers: ["10.77.0.53"], domains: [], defaultRoute: true)))

        // One packet each way through the backend's frames.
        let outbound = InProcessTests.udp(from: assigned, to: IPv4Address(10, 77, 0, 1), payload: Array("out".utf8))
        backend.sendIP(outbound)
        var atServer: [[UInt8]] = []
        try rig.run {
            atServer += InProcessTests.readAll(rig.serverFar)
            return !atServer.isEmpty
        }
        #expect(atServer == [outbound])
        let inbound = InProcessTests.udp(from: IPv4Address(10, 77, 0, 1), to: assigned, payload: Array("in".utf8))
        inbound.withUnsafeBytes { rig.serverFar.write($0) }
        try rig.run { !backend.received.isEmpty }
        #expect(backend.received == [inbound])
        #expect(rig.client.bytesOut == UInt64(outbound.count))
        #expect(rig.client.bytesIn == UInt64(inbound.count))

        rig.client.disconnect()
        try rig.runUntilDown()
        let failure = try #require(rig.down)
        #expect(failure == nil, "a requested disconnect is no failure: \(String(describing: failure))")
        // The backend ended its link (LCP Terminate) before the call went.
        #expect(backend.commands == [.start, .callConnected, .terminate, .stopNow])
        #expect(backend.engine == nil)
        InProcessTests.expectNothingLeft(rig)
    }

    @Test func aRefusedPasswordIsTheBackendsFailure() throws {
        let (rig, made) = try Self.rig(password: "wrong")
        try rig.runUntilDown()
        let down = try #require(rig.down)
        let failure = try #require(down)
        #expect(failure.exitCode == 2, "\(failure)")
        #expect(rig.up == nil)
        #expect(made()?.commands.first == .start)
        #expect(made()?.commands.last == .stopNow)
        InProcessTests.expectNothingLeft(rig)
    }

    /// With reconnect asked for, a backend that cannot says why once the
    /// session is up, and a lost transport ends the tunnel (through the
    /// backend's Lower-Layer-Down) instead of starting another attempt.
    @Test func aBackendThatCannotReconnectEndsOnACut() throws {
        let (rig, made) = try Self.rig(reconnect: true)
        try rig.runUntilUp()
        #expect(rig.up != nil)
        #expect(
            rig.events.contains { if case .warning("the fake backend cannot reconnect") = $0 { true } else { false } })
        let serverEnd = try #require(rig.serverEnd)
        serverEnd.cut(.reset)
        try rig.runUntilDown()
        let down = try #require(rig.down)
        #expect(down != nil)
        #expect(!rig.events.contains { if case .reconnecting = $0 { true } else { false } })
        #expect(made()?.commands.contains(.lowerDown) == true)
        #expect(made()?.commands.last == .stopNow)
        InProcessTests.expectNothingLeft(rig)
    }

    /// What keeps the backend from running ends the tunnel before any lookup
    /// or connection.
    @Test func thePrecheckStopsTheTunnelBeforeConnecting() throws {
        let loop = try EventLoop()
        var options = ClientOptions(
            server: "192.0.2.1", tls: .init(serverName: "sstp.test"),
            ppp: PPPClientConfiguration(userName: "alice", password: "secret"))
        options.connectTimeout = .seconds(1)
        var events: [TunnelEvent] = []
        let client = ClientTunnel(
            options: options, loop: loop,
            backend: { options, loop, events in
                let backend = FakeExternalBackend(options: options, loop: loop, events: events)
                backend.problem = .localSetup("no kernel PPP here")
                return backend
            }, events: { events.append($0) })
        client.start()
        #expect(client.isFinished)
        guard case .down(let failure) = events.last else {
            Issue.record("not down: \(events)")
            return
        }
        #expect(failure?.exitCode == 6)
        #expect(failure?.description.contains("no kernel PPP here") == true)
        #expect(!events.contains { if case .phase(.tcp, _) = $0 { true } else { false } })
    }
}
