import PPP
import SSTPCall
import SSTPSession
import SSTPWire

/// How the in-memory transport hands bytes to the other end.
enum Delivery {
    /// Each write arrives as one read.
    case whole
    /// One byte per read: every packet is split everywhere it can be.
    case byteAtATime
    /// Everything in flight arrives in one read.
    case coalesced
}

/// A client call and a server call joined by an in-memory transport, with
/// a fake clock and timers, and a driver on each side that does what the
/// real ones do with the calls' actions. An external PPP backend on the
/// client side is played by a real `PPPClient` (as pppd would be).
struct CallPair {
    var client: SSTPClientCall
    var server: SSTPServerCall
    var now: Duration = .zero
    var delivery: Delivery
    var clientTimers: [CallTimer: Duration] = [:]
    var serverTimers: [CallTimer: Duration] = [:]
    var toServer: [UInt8] = []
    var toClient: [UInt8] = []
    var chunksToServer: [[UInt8]] = []
    var chunksToClient: [[UInt8]] = []
    /// When set, the transport breaks once this many more bytes have passed
    /// in either direction: both ends see it closed.
    var cutAfterBytes: Int?
    var transportOpen = true
    /// Drops everything the server sends (a peer gone silent).
    var serverSilent = false
    var serverPPP: PPPServerConfiguration
    /// With `serverPPP.eapPassThrough`: the authentication server the
    /// server's EAP Responses go to.
    var eapBackend: EAPMSCHAPv2Backend?
    var externalPPP: PPPClient?
    let externalConfiguration: PPPClientConfiguration?

    // What each side saw.
    var clientProgress: [CallProgress] = []
    var serverProgress: [CallProgress] = []
    var clientIPv4: IPv4Configuration?
    var clientIPv6: IPv6Configuration?
    var clientEnd: CallEnd?
    var serverEnd: CallEnd?
    var clientReceived: [[UInt8]] = []
    var serverReceived: [[UInt8]] = []
    var clientLog: [String] = []

    static let certificate = Array("server certificate DER".utf8)
    static let nonce = [UInt8](repeating: 0x42, count: 32)
    static let serverAddress = IPv4Address(10, 0, 0, 1)
    static let clientAddress = IPv4Address(10, 0, 0, 2)

    init(
        methods: [PPPAuthenticationMethod] = [.mschapv2], refused: Set<PPPAuthenticationMethod> = [],
        password: String = "secret", ipv6: Bool = true, external: Bool = false, delivery: Delivery = .whole,
        corruptBinding: Bool = false, hello: Duration = .seconds(60)
    ) {
        var clientSession = SSTPClientSession.Configuration(certificateDER: Self.certificate)
        clientSession.corruptCryptoBinding = corruptBinding
        clientSession.timers.hello = hello
        let ppp = PPPClientConfiguration(
            userName: "alice", password: password, refusedMethods: refused, requestIPv6: ipv6)
        externalConfiguration = external ? ppp : nil
        client = SSTPClientCall(
            configuration: .init(session: clientSession, backend: external ? .external : .builtIn(ppp)),
            random: SeededPPPRandom(seed: 1))
        var serverSession = SSTPServerSession.Configuration(certificateDER: Self.certificate)
        serverSession.timers.hello = hello
        server = SSTPServerCall(session: serverSession, nonce: Self.nonce, random: SeededPPPRandom(seed: 2))
        serverPPP = PPPServerConfiguration(
            users: ["alice": "secret"], methods: methods, localIPv4: Self.serverAddress,
            peerIPv4: Self.clientAddress, dns: [IPv4Address(10, 0, 0, 53)], ipv6: true)
        self.delivery = delivery
    }

    // MARK: Driving

    /// The HTTP exchange is done: both calls start, and everything in
    /// flight is delivered until both ends are quiet.
    mutating func connect() {
        applyServer(server.start(now: now))
        applyClient(client.start(now: now))
        run()
    }

    /// Delivers until nothing is in flight.
    mutating func run() {
        var rounds = 0
        while (!toServer.isEmpty || !toClient.isEmpty) && rounds < 10_000 {
            rounds += 1
            if !toServer.isEmpty { deliverToServer() }
            if !toClient.isEmpty { deliverToClient() }
        }
    }

    /// Moves the clock to the next deadline on either side and fires it.
    /// Returns false when no timer is left.
    @discardableResult
    mutating func fireNextTimer(upTo limit: Duration = .seconds(3600)) -> Bool {
        let next = (Array(clientTimers.values) + Array(serverTimers.values)).min()
        guard let next, next <= limit else { return false }
        now = max(now, next)
        for (timer, deadline) in clientTimers where deadline <= now {
            clientTimers[timer] = nil
            if case .ppp(let t) = timer, externalPPP != nil {
                feedExternal(.timerExpired(t))
            } else {
                applyClient(client.timerExpired(timer, now: now))
            }
        }
        for (timer, deadline) in serverTimers where deadline <= now {
            serverTimers[timer] = nil
            applyServer(server.timerExpired(timer, now: now))
        }
        run()
        return true
    }

    /// Fires timers until both calls have ended (or `limit` passes).
    mutating func runUntilEnded(limit: Duration = .seconds(600)) {
        while clientEnd == nil || serverEnd == nil {
            if !fireNextTimer(upTo: limit) { return }
        }
    }

    private static func take(_ queue: inout [UInt8], _ chunks: inout [[UInt8]], _ delivery: Delivery) -> [[UInt8]] {
        let reads: [[UInt8]]
        switch delivery {
        case .whole: reads = chunks
        case .coalesced: reads = [queue]
        case .byteAtATime: reads = queue.map { [$0] }
        }
        queue = []
        chunks = []
        return reads
    }

    private mutating func passes(_ count: Int) -> Bool {
        guard transportOpen else { return false }
        guard let left = cutAfterBytes else { return true }
        if count <= left {
            cutAfterBytes = left - count
            return true
        }
        transportOpen = false
        applyClient(client.transportClosed("cut", now: now))
        applyServer(server.transportClosed("cut", now: now))
        return false
    }

    private mutating func deliverToServer() {
        for read in Self.take(&toServer, &chunksToServer, delivery) {
            guard passes(read.count) else { return }
            var got: [[UInt8]] = []
            let now = self.now
            let actions = read.withUnsafeBytes { raw in
                server.receive(raw, now: now) { data in
                    if case .ipv4(let p) = data { got.append(Array(p)) }
                    if case .ipv6(let p) = data { got.append(Array(p)) }
                }
            }
            serverReceived += got
            applyServer(actions)
        }
    }

    private mutating func deliverToClient() {
        for read in Self.take(&toClient, &chunksToClient, delivery) {
            guard passes(read.count) else { return }
            var got: [[UInt8]] = []
            var external: [[UInt8]] = []
            let now = self.now
            let actions = read.withUnsafeBytes { raw in
                client.receive(raw, now: now) { data in
                    switch data {
                    case .ipv4(let p), .ipv6(let p): got.append(Array(p))
                    case .externalPPP(let frame): external.append(Array(frame))
                    }
                }
            }
            clientReceived += got
            applyClient(actions)
            for frame in external { feedExternal(.frame(frame)) }
        }
    }

    // MARK: Sending IP packets the way the data planes do

    /// An IP packet from the client's packet device: dropped unless the
    /// call says which PPP protocol it goes with (MS-SSTP 2.2.3 framing).
    mutating func clientSendsIP(_ packet: [UInt8]) -> Bool {
        guard let first = packet.first, let proto = client.outboundProtocol(ipVersion: first >> 4) else {
            return false
        }
        enqueue(toServer: Self.dataPacket(packet, protocolNumber: proto))
        run()
        return true
    }

    mutating func serverSendsIP(_ packet: [UInt8]) -> Bool {
        guard let first = packet.first, let proto = server.outboundProtocol(ipVersion: first >> 4) else {
            return false
        }
        enqueue(toClient: Self.dataPacket(packet, protocolNumber: proto))
        run()
        return true
    }

    static func dataPacket(_ packet: [UInt8], protocolNumber: UInt16) -> [UInt8] {
        let frame = [0xff, 0x03, UInt8(protocolNumber >> 8), UInt8(protocolNumber & 0xff)] + packet
        var bytes: [UInt8] = []
        SSTPDataPacket.appendHeader(payloadLength: frame.count, to: &bytes)
        return bytes + frame
    }

    /// Holds the client's CALL_CONNECTED back (in `held`) while set.
    var holdCallConnected = false
    var held: [[UInt8]] = []

    mutating func enqueue(toServer bytes: [UInt8]) {
        if holdCallConnected, case .control(.callConnected)? = try? SSTPPacket(parsing: bytes) {
            held.append(bytes)
            return
        }
        toServer += bytes
        chunksToServer.append(bytes)
    }

    mutating func enqueue(toClient bytes: [UInt8]) {
        guard !serverSilent else { return }
        toClient += bytes
        chunksToClient.append(bytes)
    }

    // MARK: The drivers

    mutating func applyClient(_ actions: [CallAction]) {
        for action in actions {
            switch action {
            case .send(let bytes): if transportOpen { enqueue(toServer: bytes) }
            case .setTimer(let timer, let deadline): clientTimers[timer] = deadline
            case .cancelTimer(let timer): clientTimers[timer] = nil
            case .progress(let p): clientProgress.append(p)
            case .startExternalPPP:
                guard let configuration = externalConfiguration else { continue }
                externalPPP = PPPClient(configuration: configuration, random: SeededPPPRandom(seed: 3))
                feedExternal(.lowerUp)
            case .externalCallConnected: break
            case .stopExternalPPP: feedExternal(.close("SIGTERM"))
            case .externalLowerDown: feedExternal(.lowerDown)
            case .ipv4Up(let c): clientIPv4 = c
            case .ipv4Down: clientIPv4 = nil
            case .ipv6Up(let c): clientIPv6 = c
            case .ipv6Down: clientIPv6 = nil
            case .ended(let end):
                XCTAssertNil(clientEnd, "the client call ended twice")
                clientEnd = end
                clientTimers = [:]
            case .log(let line), .warning(let line): clientLog.append(line)
            case .eapToBackend: XCTFail("a client relays no EAP")
            }
        }
    }

    mutating func applyServer(_ actions: [CallAction]) {
        for action in actions {
            switch action {
            case .send(let bytes): if transportOpen { enqueue(toClient: bytes) }
            case .setTimer(let timer, let deadline): serverTimers[timer] = deadline
            case .cancelTimer(let timer): serverTimers[timer] = nil
            case .progress(let p):
                serverProgress.append(p)
                if p == .sstpNegotiated { applyServer(server.startPPP(serverPPP, now: now)) }
            case .startExternalPPP, .externalCallConnected, .stopExternalPPP, .externalLowerDown:
                XCTFail("the server has no external PPP backend")
            case .ipv4Up, .ipv4Down, .ipv6Up, .ipv6Down: break
            case .ended(let end):
                XCTAssertNil(serverEnd, "the server call ended twice")
                serverEnd = end
                serverTimers = [:]
            case .log, .warning: break
            case .eapToBackend(let response):
                guard let backend = eapBackend else {
                    XCTFail("the server relayed EAP without a backend")
                    continue
                }
                applyServer(server.eapBackend(backend.answer(response), now: now))
            }
        }
    }

    /// The fake pppd: a real PPP client engine whose actions go through the
    /// call's external-backend inputs, as PPPDDriver's events do.
    private mutating func feedExternal(_ event: PPPEvent) {
        guard var ppp = externalPPP else { return }
        let actions = ppp.handle(event, now: now)
        externalPPP = ppp
        for action in actions {
            switch action {
            case .send(let frame): applyClient(client.externalPPPFrame(frame, now: now))
            case .authenticated(let result): applyClient(client.externalPPPAuthenticated(result, now: now))
            case .ipv4Up(let c):
                client.externalPPPNetworkUp(ipv4: true)
                clientIPv4 = c
            case .ipv6Up(let c):
                client.externalPPPNetworkUp(ipv4: false)
                clientIPv6 = c
            case .linkDown(let failure):
                externalPPP = nil
                applyClient(client.externalPPPFinished(failure, now: now))
                return
            case .setTimer(let timer, let deadline): clientTimers[.ppp(timer)] = deadline
            case .cancelTimer(let timer): clientTimers[.ppp(timer)] = nil
            default: break
            }
        }
    }
}

import XCTest
