import ByteCoding
import Synchronization
import PPP

/// Either engine, so that one harness drives both.
protocol PPPEndpointEngine {
    mutating func handle(_ event: PPPEvent, now: Duration) -> [PPPAction]
    var isFinished: Bool { get }
}

extension PPPClient: PPPEndpointEngine {}
extension PPPServer: PPPEndpointEngine {}

/// What one end did during a run.
struct EndpointRecord {
    var actions: [PPPAction] = []
    var timers: [PPPTimer: Duration] = [:]
    /// Every frame the end sent, dropped or not.
    var sent: [[UInt8]] = []

    var authenticated: [PPPAuthenticationResult] {
        actions.compactMap { if case .authenticated(let r) = $0 { r } else { nil } }
    }
    var ipv4: [IPv4Configuration] {
        actions.compactMap { if case .ipv4Up(let c) = $0 { c } else { nil } }
    }
    var ipv6: [IPv6Configuration] {
        actions.compactMap { if case .ipv6Up(let c) = $0 { c } else { nil } }
    }
    var linkDowns: [PPPFailure] {
        actions.compactMap { if case .linkDown(let f) = $0 { f } else { nil } }
    }
    var logs: [String] {
        actions.compactMap { if case .log(let s) = $0 { s } else { nil } }
    }
    var warnings: [String] {
        actions.compactMap { if case .warning(let s) = $0 { s } else { nil } }
    }
    /// Frames sent with this protocol number.
    func sent(protocol number: UInt16) -> [[UInt8]] {
        sent.filter { $0.count >= 4 && UInt16($0[2]) << 8 | UInt16($0[3]) == number }
    }

    mutating func record(_ new: [PPPAction]) {
        actions += new
        for action in new {
            switch action {
            case .send(let frame): sent.append(frame)
            case .setTimer(let timer, let deadline): timers[timer] = deadline
            case .cancelTimer(let timer): timers[timer] = nil
            default: break
            }
        }
    }
}

/// A fake clock and a fake link between our client and our server: frames
/// go across in order, optionally dropped; when nothing is in flight the
/// clock jumps to the earliest timer.
struct LinkHarness {
    var client: PPPClient
    var server: PPPServer
    var now: Duration = .zero
    var clientRecord = EndpointRecord()
    var serverRecord = EndpointRecord()
    private var toServer: [[UInt8]] = []
    private var toClient: [[UInt8]] = []
    /// Return true to lose a frame. Arguments: the index of the frame among
    /// all frames sent in that direction, and the frame.
    var dropToServer: (Int, [UInt8]) -> Bool = { _, _ in false }
    var dropToClient: (Int, [UInt8]) -> Bool = { _, _ in false }
    private var countToServer = 0
    private var countToClient = 0

    init(client: PPPClient, server: PPPServer) {
        self.client = client
        self.server = server
    }

    mutating func start() {
        deliverToClient(.lowerUp)
        deliverToServer(.lowerUp)
    }

    mutating func deliverToClient(_ event: PPPEvent) {
        let actions = client.handle(event, now: now)
        clientRecord.record(actions)
        for case .send(let frame) in actions {
            if !dropToServer(countToServer, frame) { toServer.append(frame) }
            countToServer += 1
        }
    }

    mutating func deliverToServer(_ event: PPPEvent) {
        let actions = server.handle(event, now: now)
        serverRecord.record(actions)
        for case .send(let frame) in actions {
            if !dropToClient(countToClient, frame) { toClient.append(frame) }
            countToClient += 1
        }
    }

    /// Runs until both ends are finished or quiet with no timer before
    /// `limit`, or both are up when `untilUp` is set.
    mutating func run(
        until limit: Duration = .seconds(300), untilUp: Bool = false, maxSteps: Int = 20000
    ) {
        var steps = 0
        while steps < maxSteps {
            steps += 1
            if client.isFinished && server.isFinished { return }
            if untilUp && !clientRecord.ipv4.isEmpty && !serverRecord.ipv4.isEmpty
                && toServer.isEmpty
                && toClient.isEmpty
            {
                return
            }
            if !toServer.isEmpty {
                let frame = toServer.removeFirst()
                if !server.isFinished { deliverToServer(.frame(frame)) }
                continue
            }
            if !toClient.isEmpty {
                let frame = toClient.removeFirst()
                if !client.isFinished { deliverToClient(.frame(frame)) }
                continue
            }
            let clientNext =
                client.isFinished ? nil : clientRecord.timers.min { $0.value < $1.value }
            let serverNext =
                server.isFinished ? nil : serverRecord.timers.min { $0.value < $1.value }
            let next = [clientNext, serverNext].compactMap { $0?.value }.min()
            guard let next, next <= limit else { return }
            now = max(now, next)
            if let clientNext, clientNext.value == next {
                clientRecord.timers[clientNext.key] = nil
                deliverToClient(.timerExpired(clientNext.key))
            } else if let serverNext, serverNext.value == next {
                serverRecord.timers[serverNext.key] = nil
                deliverToServer(.timerExpired(serverNext.key))
            }
        }
    }
}

/// Drives one engine against scripted peer frames (transcript tests).
struct Scripted<Engine: PPPEndpointEngine> {
    var engine: Engine
    var now: Duration = .zero
    var record = EndpointRecord()

    init(_ engine: Engine) {
        self.engine = engine
    }

    /// Feeds an event; returns the frames the engine sent in answer.
    @discardableResult
    mutating func feed(_ event: PPPEvent) -> [[UInt8]] {
        let actions = engine.handle(event, now: now)
        record.record(actions)
        return actions.compactMap { if case .send(let f) = $0 { f } else { nil } }
    }

    @discardableResult
    mutating func feed(hex: String) -> [[UInt8]] {
        feed(.frame([UInt8](hex: hex) ?? []))
    }

    /// Moves the clock to the earliest armed timer and fires it.
    @discardableResult
    mutating func fireNextTimer() -> [[UInt8]] {
        guard let next = record.timers.min(by: { $0.value < $1.value }) else { return [] }
        now = max(now, next.value)
        record.timers[next.key] = nil
        return feed(.timerExpired(next.key))
    }
}

extension Array where Element == UInt8 {
    /// The PPP Protocol field of a frame we sent (always ff 03 + 2 bytes).
    var pppProtocol: UInt16? {
        count >= 4 ? UInt16(self[2]) << 8 | UInt16(self[3]) : nil
    }

    /// The control packet code (byte 4 of a frame we sent).
    var pppCode: UInt8? { count > 4 ? self[4] : nil }
    var pppIdentifier: UInt8? { count > 5 ? self[5] : nil }
}

extension Scripted {
    /// Moves the clock to one timer's deadline and fires it.
    @discardableResult
    mutating func fire(_ timer: PPPTimer) -> [[UInt8]] {
        guard let deadline = record.timers[timer] else { return [] }
        now = max(now, deadline)
        record.timers[timer] = nil
        return feed(.timerExpired(timer))
    }
}

/// Random bytes that start with scripted chunks (one per call), then come
/// from a seeded generator: to force collisions between two ends.
final class ScriptedRandom: PPPRandomSource {
    private let chunks: Mutex<[[UInt8]]>
    private let rest: SeededPPPRandom

    init(_ chunks: [[UInt8]], seed: UInt64) {
        self.chunks = Mutex(chunks)
        rest = SeededPPPRandom(seed: seed)
    }

    func bytes(_ count: Int) -> [UInt8] {
        let scripted = chunks.withLock { chunks -> [UInt8]? in
            guard let first = chunks.first, first.count == count else { return nil }
            chunks.removeFirst()
            return first
        }
        return scripted ?? rest.bytes(count)
    }
}
