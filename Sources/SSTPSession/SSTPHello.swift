import SSTPWire

/// The hello timer of MS-SSTP §3.1.2, shared by client and server: every
/// received packet restarts it; on expiry an ECHO_REQUEST goes out; a
/// second silent interval means the peer is gone.
struct SSTPHello: Sendable {
    var interval: Duration
    private(set) var lastReceived: Duration = .zero
    private var echoOutstanding = false

    init(interval: Duration) {
        self.interval = interval
    }

    /// Any received packet, data included.
    mutating func received(at now: Duration) {
        lastReceived = now
        echoOutstanding = false
    }

    enum Outcome {
        /// Keep going; the actions re-arm the timer (and may send an echo).
        case alive
        /// Nothing for two intervals: drop the connection without
        /// CALL_ABORT (§3.1.2).
        case peerGone
    }

    /// The hello timer fired.
    mutating func expired(now: Duration, actions: inout [SSTPAction]) -> Outcome {
        if now - lastReceived < interval {
            actions.append(.setTimer(.hello, deadline: lastReceived + interval))
            return .alive
        }
        if echoOutstanding { return .peerGone }
        echoOutstanding = true
        actions.append(.send(EchoRequest().serialized()))
        actions.append(.setTimer(.hello, deadline: now + interval))
        return .alive
    }
}
