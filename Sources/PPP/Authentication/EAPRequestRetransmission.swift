/// The authenticator's outstanding EAP Request and how often it went out:
/// RFC 3748 §4.3, the authenticator retransmits the same Request until a
/// Response comes or its retransmissions run out.
struct EAPRequestRetransmission: Sendable {
    let limits: PPPNegotiationLimits
    private var request: [UInt8] = []
    private var transmissions = 0

    init(limits: PPPNegotiationLimits) {
        self.limits = limits
    }

    /// Sends a new Request (the whole EAP packet) and arms the timer.
    mutating func send(_ packet: [UInt8], now: Duration) -> [AuthenticationOutput] {
        request = packet
        transmissions = 1
        return [.send(packet), .setTimer(now + limits.restartInterval)]
    }

    /// The timer ran out: the same Request again, or, after
    /// `maxConfigure` transmissions, the failure (`gaveUp` is then true).
    mutating func timerExpired(now: Duration) -> (actions: [AuthenticationOutput], gaveUp: Bool) {
        guard transmissions < limits.maxConfigure else {
            return (
                [
                    .log("EAP: \(transmissions) Requests went unanswered"),
                    .failed(.peerNotResponding(.authentication)),
                ], true
            )
        }
        transmissions += 1
        return ([.send(request), .setTimer(now + limits.restartInterval)], false)
    }
}
