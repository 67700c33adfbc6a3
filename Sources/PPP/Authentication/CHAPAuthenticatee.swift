import SSTPCrypto

/// The client side of CHAP with MD5 (RFC 1994) or MS-CHAPv2 (RFC 2759):
/// answer each Challenge, then check the Success.
struct CHAPAuthenticatee: AuthenticationSession {
    let protocolNumber = PPPProtocolNumber.chap
    /// `.chapMD5` or `.mschapv2`.
    let method: PPPAuthenticationMethod
    let userName: String
    let password: String
    let random: any PPPRandomSource

    /// The Challenge we last answered, and our answer, to resend it
    /// unchanged when the server retransmits that Challenge.
    private var lastChallenge: (identifier: UInt8, value: [UInt8], response: [UInt8])?
    private var mschap: MSCHAPv2Exchange.PeerState?
    private var succeeded = false
    private var failed = false

    init(
        method: PPPAuthenticationMethod, userName: String, password: String,
        random: any PPPRandomSource
    ) {
        self.method = method
        self.userName = userName
        self.password = password
        self.random = random
    }

    mutating func start(now: Duration) -> [AuthenticationOutput] {
        [.log("CHAP: waiting for the server's \(method) Challenge")]
    }

    mutating func receive(_ packet: PPPControlPacket, now: Duration) -> [AuthenticationOutput] {
        guard !failed else { return [] }
        switch packet.code {
        case CHAPCode.challenge: return receiveChallenge(packet)
        case CHAPCode.success: return receiveSuccess(packet)
        case CHAPCode.failure: return receiveFailure(packet)
        default: return [.log("CHAP: ignored code \(packet.code)")]
        }
    }

    private mutating func receiveChallenge(_ packet: PPPControlPacket) -> [AuthenticationOutput] {
        let challenge: CHAPChallengeOrResponse
        do {
            challenge = try CHAPChallengeOrResponse(parsing: packet.data)
        } catch {
            return [.log("CHAP: dropped a malformed Challenge: \(error)")]
        }
        if let last = lastChallenge, last.identifier == packet.identifier,
            last.value == challenge.value
        {
            // A retransmitted Challenge: the same Response again.
            return [.send(last.response)]
        }
        if succeeded && method == .mschapv2 {
            return [.log("CHAP: ignored an MS-CHAPv2 Challenge after authentication")]
        }
        let value: [UInt8]
        switch method {
        case .mschapv2:
            // RFC 2759 §3: the Challenge value is 16 octets.
            guard challenge.value.count == MSCHAPv2Exchange.challengeLength else {
                return [
                    .log(
                        "CHAP: dropped an MS-CHAPv2 Challenge of \(challenge.value.count) bytes, not 16"
                    )
                ]
            }
            switch MSCHAPv2Exchange.respond(
                to: challenge.value, userName: userName, password: password, random: random)
            {
            case .success(let state):
                mschap = state
                value = state.responseValue
            case .failure(let failure):
                failed = true
                return [.failed(failure)]
            }
        default:
            // RFC 1994 §2: MD5 over Identifier, secret, Challenge value.
            do {
                value = try digest(.md5, [packet.identifier], Array(password.utf8), challenge.value)
            } catch {
                failed = true
                return [.failed(cryptoFailure(error))]
            }
        }
        // RFC 1994 §4.1 / RFC 2759 §4: the Response copies the Identifier;
        // the Name is the user name (with any domain, for MS-CHAPv2).
        let response = PPPControlPacket.serialize(
            code: CHAPCode.response, identifier: packet.identifier,
            data: CHAPChallengeOrResponse(value: value, name: Array(userName.utf8)).data)
        lastChallenge = (packet.identifier, challenge.value, response)
        let serverName = printable(challenge.name)
        return [
            .send(response),
            .log(
                "CHAP: answered \(method) Challenge id \(packet.identifier) from \"\(serverName)\" as \(userName)"
            ),
        ]
    }

    private mutating func receiveSuccess(_ packet: PPPControlPacket) -> [AuthenticationOutput] {
        guard !succeeded else { return [] }
        // RFC 1994 §4.2: Success copies the Identifier of the Response.
        guard let last = lastChallenge, last.identifier == packet.identifier else {
            return [
                .log(
                    "CHAP: ignored a Success with id \(packet.identifier) that answers no Response of ours"
                )
            ]
        }
        switch method {
        case .mschapv2:
            guard let state = mschap else { return [] }
            switch MSCHAPv2Exchange.verifySuccess(message: packet.data, state: state) {
            case .success(let keys):
                succeeded = true
                return [
                    .log("CHAP: MS-CHAPv2 authenticated, the server proved it knows the password"),
                    .succeeded(.client(.mschapv2, userName: userName, keys: keys)),
                ]
            case .failure(let failure):
                failed = true
                return [.failed(failure)]
            }
        default:
            succeeded = true
            return [
                .log("CHAP: authenticated"), .succeeded(.withoutKeys(.chapMD5, userName: userName)),
            ]
        }
    }

    private mutating func receiveFailure(_ packet: PPPControlPacket) -> [AuthenticationOutput] {
        guard let last = lastChallenge, last.identifier == packet.identifier else {
            return [
                .log(
                    "CHAP: ignored a Failure with id \(packet.identifier) that answers no Response of ours"
                )
            ]
        }
        failed = true
        let message =
            method == .mschapv2
            ? MSCHAPv2Exchange.describeFailure(message: packet.data)
            : "the server refused the CHAP login"
                + (packet.data.isEmpty ? "" : ": \(printable(packet.data))")
        return [.failed(.authenticationFailed(message: message))]
    }
}
