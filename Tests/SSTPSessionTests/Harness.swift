import SSTPCrypto
import SSTPWire

@testable import SSTPSession

/// Client and server sessions joined by a lossless in-memory link and a fake
/// clock; PPP is simulated by calling pppAuthenticated on both sides.
struct Link {
    var client: SSTPClientSession
    var server: SSTPServerSession
    var now: Duration = .zero
    var clientTimers: [SSTPTimer: Duration] = [:]
    var serverTimers: [SSTPTimer: Duration] = [:]
    var clientClosed: SSTPCloseReason?
    var serverClosed: SSTPCloseReason?
    var clientConnected = false
    var serverConnected = false
    var pppStarted = (client: false, server: false)
    /// Packets in flight, in order.
    var toServer: [[UInt8]] = []
    var toClient: [[UInt8]] = []
    var sentByClient: [SSTPControlMessage] = []
    var sentByServer: [SSTPControlMessage] = []
    var dropToServer: (SSTPControlMessage) -> Bool = { _ in false }
    var dropToClient: (SSTPControlMessage) -> Bool = { _ in false }

    static let certificate = Array("server certificate DER".utf8)
    static let nonce = [UInt8](repeating: 0x42, count: 32)

    init(
        client clientConfig: SSTPClientSession.Configuration = .init(certificateDER: Link.certificate),
        server serverConfig: SSTPServerSession.Configuration = .init(certificateDER: Link.certificate)
    ) {
        client = SSTPClientSession(configuration: clientConfig)
        server = SSTPServerSession(configuration: serverConfig, nonce: Link.nonce)
    }

    mutating func applyClient(_ actions: [SSTPAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                if case .control(let m)? = try? SSTPPacket(parsing: bytes) {
                    sentByClient.append(m)
                    if dropToServer(m) { continue }
                }
                toServer.append(bytes)
            case .setTimer(let t, let d): clientTimers[t] = d
            case .cancelTimer(let t): clientTimers[t] = nil
            case .startPPP: pppStarted.client = true
            case .callConnected: clientConnected = true
            case .close(let reason): clientClosed = reason
            case .log: break
            }
        }
    }

    mutating func applyServer(_ actions: [SSTPAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                if case .control(let m)? = try? SSTPPacket(parsing: bytes) {
                    sentByServer.append(m)
                    if dropToClient(m) { continue }
                }
                toClient.append(bytes)
            case .setTimer(let t, let d): serverTimers[t] = d
            case .cancelTimer(let t): serverTimers[t] = nil
            case .startPPP: pppStarted.server = true
            case .callConnected: serverConnected = true
            case .close(let reason): serverClosed = reason
            case .log: break
            }
        }
    }

    /// Delivers everything in flight until both queues are empty.
    mutating func deliver() {
        while !toServer.isEmpty || !toClient.isEmpty {
            if !toServer.isEmpty {
                let p = toServer.removeFirst()
                if serverClosed == nil { applyServer(server.receivedControlPacket(p, now: now)) }
            }
            if !toClient.isEmpty {
                let p = toClient.removeFirst()
                if clientClosed == nil { applyClient(client.receivedControlPacket(p, now: now)) }
            }
        }
    }

    mutating func start() {
        applyServer(server.start(now: now))
        applyClient(client.start(now: now))
        deliver()
    }

    /// PPP authentication done on both sides with the same HLAK (server first,
    /// as a server's Success goes out before the client sees it).
    mutating func authenticate(
        client clientKey: HigherLayerAuthenticationKey, server serverKey: HigherLayerAuthenticationKey
    ) {
        applyServer(server.pppAuthenticated(hlak: serverKey, now: now))
        applyClient(client.pppAuthenticated(hlak: clientKey, now: now))
        deliver()
    }

    /// Advances the clock to the next timer of either side and fires it.
    mutating func fireNextTimer() -> Bool {
        let candidates =
            (clientClosed == nil ? clientTimers.map { ($0.value, true, $0.key) } : [])
            + (serverClosed == nil ? serverTimers.map { ($0.value, false, $0.key) } : [])
        guard let next = candidates.min(by: { $0.0 < $1.0 }) else { return false }
        now = max(now, next.0)
        if next.1 {
            clientTimers[next.2] = nil
            applyClient(client.timerExpired(next.2, now: now))
        } else {
            serverTimers[next.2] = nil
            applyServer(server.timerExpired(next.2, now: now))
        }
        deliver()
        return true
    }

    mutating func runTimers(limit: Int = 50) {
        var n = 0
        while n < limit, fireNextTimer() { n += 1 }
    }
}
