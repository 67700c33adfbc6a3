import ByteCoding
import SSTPCrypto

/// The server side of CHAP with MD5 (RFC 1994) or MS-CHAPv2 (RFC 2759):
/// send a Challenge, check the Response, answer Success or Failure.
struct CHAPAuthenticator: AuthenticationSession {
    let protocolNumber = PPPProtocolNumber.chap
    let method: PPPAuthenticationMethod
    let configuration: PPPServerConfiguration
    let limits: PPPNegotiationLimits
    let random: any PPPRandomSource

    private var identifier: UInt8 = 0
    private var challenge: [UInt8] = []
    private var challengePacket: [UInt8] = []
    private var transmissions = 0
    /// The reply once decided, resent to a retransmitted Response.
    private var decided: [UInt8]?

    init(
        method: PPPAuthenticationMethod, configuration: PPPServerConfiguration,
        limits: PPPNegotiationLimits,
        random: any PPPRandomSource
    ) {
        self.method = method
        self.configuration = configuration
        self.limits = limits
        self.random = random
    }

    mutating func start(now: Duration) -> [AuthenticationOutput] {
        identifier = random.bytes(1).first ?? 1
        challenge = random.bytes(MSCHAPv2Exchange.challengeLength)
        challengePacket = PPPControlPacket.serialize(
            code: CHAPCode.challenge, identifier: identifier,
            data: CHAPChallengeOrResponse(value: challenge, name: Array(configuration.name.utf8))
                .data)
        return sendChallenge(now: now) + [.log("CHAP: sent \(method) Challenge id \(identifier)")]
    }

    private mutating func sendChallenge(now: Duration) -> [AuthenticationOutput] {
        transmissions += 1
        return [.send(challengePacket), .setTimer(now + limits.restartInterval)]
    }

    mutating func retransmitTimerExpired(now: Duration) -> [AuthenticationOutput] {
        guard decided == nil else { return [] }
        // Like pppd, the same Challenge is resent, up to Max-Configure times.
        guard transmissions < limits.maxConfigure else {
            return [
                .log("CHAP: \(transmissions) Challenges went unanswered"),
                .failed(.peerNotResponding(.authentication)),
            ]
        }
        return sendChallenge(now: now)
    }

    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput] {
        guard packet.code == CHAPCode.response else {
            return [.log("CHAP: ignored code \(packet.code)")]
        }
        // RFC 1994 §4.1: the Response copies the Challenge's Identifier.
        guard packet.identifier == identifier else {
            return [
                .log("CHAP: ignored a Response with id \(packet.identifier), not \(identifier)")
            ]
        }
        if let decided { return [.send(decided)] }
        let response: CHAPChallengeOrResponse
        do {
            response = try CHAPChallengeOrResponse(parsing: packet.data)
        } catch {
            return [.log("CHAP: dropped a malformed Response: \(error)")]
        }
        let user = String(decoding: response.name, as: UTF8.self)
        let password = configuration.password(for: user)
        switch method {
        case .mschapv2:
            let value: MSCHAPv2ResponseValue
            do {
                value = try MSCHAPv2ResponseValue(parsing: response.value, protocolName: "CHAP")
            } catch {
                return [.log("CHAP: dropped a Response: \(error)")]
            }
            switch MSCHAPv2Exchange.verify(
                response: value, challenge: challenge, userName: user, password: password)
            {
            case .success(.success(let message, let keys)):
                return reply(CHAPCode.success, Array(message.utf8)) + [
                    .log("CHAP: user \(printable(response.name)) authenticated with MS-CHAPv2"),
                    .succeeded(.server(.mschapv2, userName: user, keys: keys)),
                ]
            case .success(.failure(let message, let reason)):
                return reply(CHAPCode.failure, Array(message.utf8)) + [
                    .failed(
                        .authenticationFailed(message: "MS-CHAPv2 " + printable(Array(reason.utf8)))
                    )
                ]
            case .failure(let failure):
                return [.cancelTimer, .failed(failure)]
            }
        default:
            // RFC 1994 §2: compare with MD5(Identifier, secret, Challenge).
            let expected: [UInt8]?
            do {
                expected = try password.map {
                    try digest(.md5, [identifier], Array($0.utf8), challenge)
                }
            } catch {
                return [.cancelTimer, .failed(cryptoFailure(error))]
            }
            if let expected, constantTimeEqual(expected, response.value) {
                return reply(CHAPCode.success, Array("Access granted".utf8)) + [
                    .log("CHAP: user \(printable(response.name)) authenticated with MD5"),
                    .succeeded(.withoutKeys(.chapMD5, userName: user)),
                ]
            }
            let why = password == nil ? "unknown user" : "wrong password"
            return reply(CHAPCode.failure, Array("Authentication failure".utf8)) + [
                .failed(
                    .authenticationFailed(message: "CHAP user \(printable(response.name)): \(why)"))
            ]
        }
    }

    private mutating func reply(_ code: UInt8, _ message: [UInt8]) -> [AuthenticationOutput] {
        let packet = PPPControlPacket.serialize(code: code, identifier: identifier, data: message)
        decided = packet
        return [.cancelTimer, .send(packet)]
    }
}
