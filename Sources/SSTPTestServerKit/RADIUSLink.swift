import Glibc
import PPP
import RADIUS
import SSTPCrypto
import SSTPPlatform

/// Why the RADIUS server could not be asked (the test server's typed
/// error; its text reaches the log and the PPP failure).
enum RADIUSLinkFailure: Error, Hashable, CustomStringConvertible {
    /// Every attempt went unanswered (RFC 2865 §2.5): down, unreachable,
    /// or a shared secret it does not share (it drops what fails its
    /// Message-Authenticator check, RFC 3579 §3.2).
    case noAnswer(server: SocketAddress, attempts: Int, after: Duration)
    /// ICMP port unreachable: nothing listens there (udp(7) ECONNREFUSED).
    case refused(server: SocketAddress)
    /// The socket itself failed.
    case socket(SocketAddress, SystemError)

    var description: String {
        switch self {
        case .noAnswer(let server, let attempts, let after):
            "the RADIUS server \(server) did not answer \(attempts) Access-Requests in "
                + "\(ServerConnection.seconds(after)): check that it runs, that --radius names it, and "
                + "that it lists this NAS as a client with the secret of --radius-secret-file"
        case .refused(let server):
            "the RADIUS server \(server) refused the Access-Request (nothing listens there): "
                + "start it or fix --radius"
        case .socket(let server, let error):
            "cannot talk to the RADIUS server \(server): \(error)"
        }
    }
}

/// One client's EAP conversation with the RADIUS server: the pure
/// `RADIUSEAPRelay` with a connected UDP socket and a timer on the loop.
/// Each answer goes to `answered` as PPP's `EAPBackendAnswer`.
final class RADIUSLink {
    private let settings: RADIUSSettings
    private unowned let loop: EventLoop
    private let log: (String) -> Void
    private let answered: (EAPBackendAnswer) -> Void
    private var relay: RADIUSEAPRelay
    private var fd: Int32 = -1
    private var timer: EventLoop.TimerID?
    private var startedAt: Duration?
    private var closed = false
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: RADIUSPacket.maxLength, alignment: 8)

    init(
        settings: RADIUSSettings, loop: EventLoop, log: @escaping (String) -> Void,
        answered: @escaping (EAPBackendAnswer) -> Void
    ) {
        self.settings = settings
        self.loop = loop
        self.log = log
        self.answered = answered
        relay = RADIUSEAPRelay(
            configuration: .init(
                secret: settings.secret, nasIdentifier: settings.nasIdentifier,
                framedMTU: UInt32(PPPClientConfiguration.defaultMRU),
                retransmitInterval: settings.retransmitInterval,
                maxRetransmissions: max(settings.attempts - 1, 0)))
    }

    /// An EAP Response of the peer for the RADIUS server.
    func forward(_ response: [UInt8]) {
        guard !closed else { return }
        if fd < 0 {
            do throws(SystemError) {
                fd = try UDPSocket.connected(to: settings.server)
                try loop.add(fd: fd, events: .readable) { [weak self] _ in self?.readable() }
            } catch {
                fail(.socket(settings.server, error))
                return
            }
        }
        let authenticator: [UInt8]
        do {
            // RFC 2865 §3: the Request Authenticator is unpredictable and unique.
            authenticator = try SystemRandom.bytes(16)
        } catch {
            fail(.socket(settings.server, SystemError("getrandom", errno: EIO, detail: "\(error)")))
            return
        }
        startedAt = loop.now
        apply(relay.handle(.eapResponse(response, authenticator: authenticator), now: loop.now))
    }

    deinit {
        buffer.deallocate()
    }

    func close() {
        closed = true
        if let timer { loop.cancel(timer) }
        timer = nil
        if fd >= 0 {
            loop.remove(fd: fd)
            Glibc.close(fd)
            fd = -1
        }
    }

    private func readable() {
        while !closed, fd >= 0 {
            let n: Int?
            do throws(SystemError) {
                n = try UDPSocket.receive(fd, into: buffer)
            } catch {
                fail(error.errno == ECONNREFUSED ? .refused(server: settings.server) : .socket(settings.server, error))
                return
            }
            guard let n else { return }
            apply(relay.handle(.radiusDatagram(Array(buffer[0..<n])), now: loop.now))
        }
    }

    private func apply(_ actions: [RADIUSEAPRelay.Action]) {
        var toPeer: [UInt8]?
        for action in actions {
            guard !closed else { return }
            switch action {
            case .sendToRADIUS(let wire):
                do throws(SystemError) {
                    try UDPSocket.send(fd, wire)
                } catch {
                    fail(
                        error.errno == ECONNREFUSED
                            ? .refused(server: settings.server) : .socket(settings.server, error))
                    return
                }
            case .sendToPeer(let eap):
                toPeer = eap
            case .setTimer(let deadline):
                if let timer { loop.cancel(timer) }
                timer = loop.schedule(at: deadline) { [weak self] in
                    guard let self else { return }
                    self.timer = nil
                    self.apply(self.relay.handle(.timerFired, now: self.loop.now))
                }
            case .cancelTimer:
                if let timer { loop.cancel(timer) }
                timer = nil
            case .accepted(let recvKey, let sendKey):
                toPeer = nil
                log("RADIUS Access-Accept from \(settings.server)" + (recvKey == nil ? " without MS-MPPE keys" : ""))
                answered(.accept(eap: actionsEAP(actions), recvKey: recvKey, sendKey: sendKey))
            case .rejected(let reply):
                toPeer = nil
                log("RADIUS Access-Reject from \(settings.server)" + (reply.map { ": \($0)" } ?? ""))
                answered(.reject(eap: actionsEAP(actions), reason: reply))
            case .failed:
                let attempts = max(settings.attempts, 1)
                fail(.noAnswer(server: settings.server, attempts: attempts, after: loop.now - (startedAt ?? loop.now)))
                return
            case .log(let line):
                log(line)
            }
        }
        if let toPeer { answered(.request(toPeer)) }
    }

    /// The EAP packet an Accept or Reject came with (the relay's
    /// `.sendToPeer` before it).
    private func actionsEAP(_ actions: [RADIUSEAPRelay.Action]) -> [UInt8]? {
        for case .sendToPeer(let eap) in actions { return eap }
        return nil
    }

    private func fail(_ failure: RADIUSLinkFailure) {
        log("RADIUS: \(failure)")
        close()
        answered(.unreachable(failure.description))
    }
}
