import SSTPCrypto

/// The server side of PAP (RFC 1334 §2.1): check the name and password,
/// answer with Ack or Nak, and answer a retransmitted request the same way.
struct PAPAuthenticator: AuthenticationSession {
    let protocolNumber = PPPProtocolNumber.pap
    let users: [String: String]

    /// The reply once decided, resent to retransmitted requests.
    private var decided: (code: UInt8, data: [UInt8])?

    init(users: [String: String]) {
        self.users = users
    }

    mutating func start(now: Duration) -> [AuthenticationOutput] {
        [.log("PAP: waiting for the client's Authenticate-Request")]
    }

    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput] {
        guard packet.code == PAPCode.authenticateRequest else {
            return [.log("PAP: ignored code \(packet.code) from the client")]
        }
        if let decided {
            return [
                .send(
                    PPPControlPacket.serialize(
                        code: decided.code, identifier: packet.identifier, data: decided.data))
            ]
        }
        let request: PAPAuthenticateRequest
        do {
            request = try PAPAuthenticateRequest(parsing: packet.data)
        } catch {
            return [.log("PAP: dropped a malformed Authenticate-Request: \(error)")]
        }
        let user = String(decoding: request.peerID, as: UTF8.self)
        let expected = users[user].map { Array($0.utf8) }
        if let expected, constantTimeEqual(expected, request.password) {
            let reply = (PAPCode.authenticateAck, PAPReply.data(message: "Login ok"))
            decided = reply
            return [
                .send(
                    PPPControlPacket.serialize(
                        code: reply.0, identifier: packet.identifier, data: reply.1)),
                .log("PAP: user \(printable(request.peerID)) authenticated"),
                .succeeded(.withoutKeys(.pap, userName: user)),
            ]
        }
        let reply = (PAPCode.authenticateNak, PAPReply.data(message: "Authentication failed"))
        decided = reply
        let why = expected == nil ? "unknown user" : "wrong password"
        return [
            .send(
                PPPControlPacket.serialize(
                    code: reply.0, identifier: packet.identifier, data: reply.1)),
            .failed(
                .authenticationFailed(message: "PAP user \(printable(request.peerID)): \(why)")),
        ]
    }
}
