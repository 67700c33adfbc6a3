import PPP

// Fuzz bodies for the PPP module. Each takes arbitrary bytes and must never
// trap; the regression tests run them over seeded random inputs and check
// the invariants `PPPFuzzReport` counts.

/// The frame, control packet and option parsers, the fast-path classifier
/// and the HDLC decoder on the same bytes.
public func fuzzPPPFrame(_ data: [UInt8]) {
    _ = data.withUnsafeBytes { PPPFrameHeader.protocol(of: $0) }
    if let frame = try? PPPFrame(parsing: data) {
        _ = frame.serialized()
        if let packet = try? PPPControlPacket(parsing: frame.information) {
            _ = packet.serialized()
            if let options = try? PPPConfigurationOption.parseList(packet.data) {
                _ = PPPConfigurationOption.serialize(options)
            }
        }
    }
    if let packet = try? PPPControlPacket(parsing: data[...]) {
        _ = try? PPPConfigurationOption.parseList(packet.data)
    }
}

/// Our client on a fake link with our server; the bytes decide which
/// frames pass, which are lost, corrupted or replaced by injected ones,
/// and when timers fire.
public func fuzzPPPClient(_ data: [UInt8]) {
    _ = runPPPFuzzLink(data, target: .client)
}

/// The same with the injected frames going to the server.
public func fuzzPPPServer(_ data: [UInt8]) {
    _ = runPPPFuzzLink(data, target: .server)
}

/// The HDLC decoder in the configuration the first byte picks, then an
/// encode/decode round trip of the rest.
public func fuzzHDLC(_ data: [UInt8]) {
    _ = runHDLCFuzz(data)
}

/// Which end receives the injected frames.
public enum PPPFuzzTarget: Sendable {
    case client, server
}

/// What a fuzz run saw, for the regression tests' invariants.
public struct PPPFuzzReport: Sendable {
    /// `.linkDown` actions per end: never more than one.
    public var clientLinkDowns = 0
    public var serverLinkDowns = 0
    /// Actions returned by an end after its `.linkDown`: always zero.
    public var actionsAfterLinkDown = 0
    /// Whether each end reached `.ipv4Up`.
    public var clientUp = false
    public var serverUp = false
    /// Frames sent without `ff 03` and a 2-byte protocol: always zero.
    public var badlyFramedSends = 0
    /// HDLC frames that did not survive an encode/decode round trip.
    public var hdlcRoundTripFailures = 0
}

/// A cursor over the fuzz input that never runs out: past the end it
/// yields zeros and reports `isAtEnd`.
private struct FuzzCursor {
    let data: [UInt8]
    var index = 0

    var isAtEnd: Bool { index >= data.count }

    mutating func byte() -> UInt8 {
        defer { index += 1 }
        return index < data.count ? data[index] : 0
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in byte() }
    }
}

private struct FuzzEnd<Engine> {
    var engine: Engine
    var timers: [PPPTimer: Duration] = [:]
    var finished = false
    var linkDowns = 0
    var up = false
}

private let fuzzProtocols: [UInt16] = [
    PPPProtocolNumber.lcp, PPPProtocolNumber.pap, PPPProtocolNumber.chap, PPPProtocolNumber.eap,
    PPPProtocolNumber.ipcp, PPPProtocolNumber.ipv6cp, PPPProtocolNumber.ccp, PPPProtocolNumber.ipv4,
    PPPProtocolNumber.ipv6, 0x8281, 0x002d,
]

public func runPPPFuzzLink(_ data: [UInt8], target: PPPFuzzTarget) -> PPPFuzzReport {
    var cursor = FuzzCursor(data: data)
    var report = PPPFuzzReport()
    let setup = cursor.byte()
    let methods = PPPAuthenticationMethod.allCases
    let method = methods[Int(setup) % methods.count]
    let ipv6 = setup & 0x10 != 0
    let limits = PPPNegotiationLimits(
        restartInterval: .seconds(1), maxConfigure: 3, maxTerminate: 2, maxFailure: 2)
    var client = FuzzEnd(
        engine: PPPClient(
            configuration: PPPClientConfiguration(
                userName: "user", password: "pass", refusedMethods: setup & 0x20 != 0 ? [.pap] : [],
                requestIPv6: ipv6, limits: limits,
                keepalive: PPPKeepalive(interval: .seconds(5), failureLimit: 2)),
            random: SeededPPPRandom(seed: UInt64(setup))))
    var server = FuzzEnd(
        engine: PPPServer(
            configuration: PPPServerConfiguration(
                users: ["user": "pass"], methods: setup & 0x40 != 0 ? methods : [method],
                localIPv4: IPv4Address(10, 0, 0, 1),
                peerIPv4: IPv4Address(10, 0, 0, 2), dns: [IPv4Address(10, 0, 0, 53)],
                ipv6: setup & 0x80 != 0,
                limits: limits),
            random: SeededPPPRandom(seed: UInt64(setup) &+ 1)))
    var toServer: [[UInt8]] = []
    var toClient: [[UInt8]] = []
    var now: Duration = .zero

    func record<E>(
        _ actions: [PPPAction], _ end: inout FuzzEnd<E>, _ queue: inout [[UInt8]],
        _ report: inout PPPFuzzReport
    ) {
        if end.finished {
            report.actionsAfterLinkDown += actions.count
            return
        }
        for action in actions {
            switch action {
            case .send(let frame):
                if frame.count < 4 || frame[0] != 0xff || frame[1] != 0x03 {
                    report.badlyFramedSends += 1
                }
                queue.append(frame)
            case .setTimer(let timer, let deadline): end.timers[timer] = deadline
            case .cancelTimer(let timer): end.timers[timer] = nil
            case .ipv4Up: end.up = true
            case .linkDown:
                end.linkDowns += 1
                end.finished = true
            default: break
            }
        }
    }
    func toClientEvent(_ event: PPPEvent) {
        record(client.engine.handle(event, now: now), &client, &toServer, &report)
    }
    func toServerEvent(_ event: PPPEvent) {
        record(server.engine.handle(event, now: now), &server, &toClient, &report)
    }
    func fireTimer(client fireClient: Bool) {
        if fireClient {
            guard let next = client.timers.min(by: { $0.value < $1.value }) else { return }
            now = max(now, next.value)
            client.timers[next.key] = nil
            toClientEvent(.timerExpired(next.key))
        } else {
            guard let next = server.timers.min(by: { $0.value < $1.value }) else { return }
            now = max(now, next.value)
            server.timers[next.key] = nil
            toServerEvent(.timerExpired(next.key))
        }
    }

    toClientEvent(.lowerUp)
    toServerEvent(.lowerUp)
    while !cursor.isAtEnd {
        switch cursor.byte() % 10 {
        case 0, 1:
            if !toServer.isEmpty { toServerEvent(.frame(toServer.removeFirst())) }
        case 2, 3:
            if !toClient.isEmpty { toClientEvent(.frame(toClient.removeFirst())) }
        case 4:
            // Corrupt one byte of the next frame to the target.
            let position = Int(cursor.byte())
            let value = cursor.byte()
            if target == .client, !toClient.isEmpty {
                var frame = toClient.removeFirst()
                frame[position % frame.count] ^= value | 1
                toClientEvent(.frame(frame))
            } else if target == .server, !toServer.isEmpty {
                var frame = toServer.removeFirst()
                frame[position % frame.count] ^= value | 1
                toServerEvent(.frame(frame))
            }
        case 5:
            // Inject a frame of a chosen protocol with fuzz content.
            let protocolNumber = fuzzProtocols[Int(cursor.byte()) % fuzzProtocols.count]
            let body = cursor.bytes(Int(cursor.byte()) % 48)
            let frame = PPPFrame.serialize(protocolNumber: protocolNumber, information: body)
            if target == .client {
                toClientEvent(.frame(frame))
            } else {
                toServerEvent(.frame(frame))
            }
        case 6:
            // Raw bytes, no header.
            let raw = cursor.bytes(Int(cursor.byte()) % 24)
            if target == .client { toClientEvent(.frame(raw)) } else { toServerEvent(.frame(raw)) }
        case 7:
            fireTimer(client: cursor.byte() & 1 == 0)
        case 8:
            // Lose the next frame one way.
            if cursor.byte() & 1 == 0 {
                if !toClient.isEmpty { toClient.removeFirst() }
            } else if !toServer.isEmpty {
                toServer.removeFirst()
            }
        default:
            // A rare administrative event.
            switch cursor.byte() % 16 {
            case 0: toClientEvent(.close("fuzz"))
            case 1: toServerEvent(.lowerDown)
            case 2: toClientEvent(.timerExpired(.lcpEcho))
            default: break
            }
        }
    }
    // Let the link settle, bounded.
    var steps = 0
    while steps < 400 && !(client.finished && server.finished) {
        steps += 1
        if !toServer.isEmpty {
            toServerEvent(.frame(toServer.removeFirst()))
        } else if !toClient.isEmpty {
            toClientEvent(.frame(toClient.removeFirst()))
        } else if !client.timers.isEmpty || !server.timers.isEmpty {
            let clientNext = client.timers.values.min() ?? .seconds(1_000_000)
            let serverNext = server.timers.values.min() ?? .seconds(1_000_000)
            fireTimer(client: clientNext <= serverNext)
        } else {
            break
        }
        if client.up && server.up && toServer.isEmpty && toClient.isEmpty { break }
    }
    // Finished engines must stay silent.
    if client.finished {
        report.actionsAfterLinkDown += client.engine.handle(.lowerDown, now: now).count
    }
    if server.finished {
        report.actionsAfterLinkDown += server.engine.handle(.lowerUp, now: now).count
    }
    report.clientLinkDowns = client.linkDowns
    report.serverLinkDowns = server.linkDowns
    report.clientUp = client.up
    report.serverUp = server.up
    return report
}

public func runHDLCFuzz(_ data: [UInt8]) -> PPPFuzzReport {
    var report = PPPFuzzReport()
    let setup = data.first ?? 0
    var decoder = HDLCCodec(
        transmitAsyncMap: setup & 1 == 0 ? 0 : 0xffff_ffff,
        receiveAsyncMap: setup & 2 == 0 ? 0 : 0x000a_0000,
        maximumFrameLength: Int(setup) * 4 + 4)
    decoder.decode(data.dropFirst()) { _ in }
    // Round trip: whatever the frame, it comes back intact (no receive map,
    // which would drop raw control characters under ACCM 0).
    let frame = Array(data.dropFirst())
    guard frame.count >= 2 else { return report }
    let encoder = HDLCCodec(transmitAsyncMap: setup & 1 == 0 ? 0 : 0xffff_ffff)
    var roundTrip = HDLCCodec(maximumFrameLength: frame.count)
    let results = roundTrip.decode(encoder.encode(frame))
    if results.count != 1 || (try? results[0].get()) != frame { report.hdlcRoundTripFailures += 1 }
    return report
}
