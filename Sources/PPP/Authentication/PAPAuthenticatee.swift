/// The client side of PAP (RFC 1334 §2.1): send the name and password,
/// retransmit until the authenticator answers.
struct PAPAuthenticatee: AuthenticationSession {
    let protocolNumber = PPPProtocolNumber.pap
    let userName: String
    let password: String
    let limits: PPPNegotiationLimits

    private var identifier: UInt8 = 0
    /// Every Identifier sent: a late Ack to an earlier transmission counts.
    private var sentIdentifiers: [UInt8] = []
    private var finished = false

    init(userName: String, password: String, limits: PPPNegotiationLimits) {
        self.userName = userName
        self.password = password
        self.limits = limits
    }

    mutating func start(now: Duration) -> [AuthenticationOutput] {
        sendRequest(now: now)
    }

    private mutating func sendRequest(now: Duration) -> [AuthenticationOutput] {
        identifier &+= 1
        sentIdentifiers.append(identifier)
        let request = PAPAuthenticateRequest(
            peerID: Array(userName.utf8), password: Array(password.utf8))
        return [
            .send(
                PPPControlPacket.serialize(
                    code: PAPCode.authenticateRequest, identifier: identifier, data: request.data)),
            .setTimer(now + limits.restartInterval),
            .log("PAP: sent Authenticate-Request id \(identifier) for user \(userName)"),
        ]
    }

    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput] {
        guard !finished else { return [] }
        guard packet.code == PAPCode.authenticateAck || packet.code == PAPCode.authenticateNak
        else {
            return [.log("PAP: ignored code \(packet.code): we do not authenticate the server")]
        }
        guard sentIdentifiers.contains(packet.identifier) else {
            return [.log("PAP: ignored a reply with id \(packet.identifier), not one of ours")]
        }
        finished = true
        let message = PAPReply.message(packet.data)
        if packet.code == PAPCode.authenticateAck {
            return [
                .cancelTimer,
                .log("PAP: authenticated" + (message.isEmpty ? "" : " (\"\(message)\")")),
                .succeeded(.withoutKeys(.pap, userName: userName)),
            ]
        }
        return [
            .cancelTimer,
            .failed(
                .authenticationFailed(
                    message: "the server rejected the PAP user name or password"
                        + (message.isEmpty ? "" : " (\"\(message)\")"))),
        ]
    }

    mutating func retransmitTimerExpired(now: Duration) -> [AuthenticationOutput] {
        guard !finished else { return [] }
        // RFC 1334 §2.1: retransmit after the Restart timer, up to Max-Configure times.
        guard sentIdentifiers.count < limits.maxConfigure else {
            finished = true
            return [
                .log("PAP: \(sentIdentifiers.count) Authenticate-Requests went unanswered"),
                .failed(.peerNotResponding(.authentication)),
            ]
        }
        return sendRequest(now: now)
    }
}
