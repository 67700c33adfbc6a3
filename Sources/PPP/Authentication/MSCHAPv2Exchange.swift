import ByteCoding
import SSTPCrypto

/// The MS-CHAPv2 computations both CHAP (RFC 2759) and EAP-MSCHAPv2 use,
/// around `SSTPCrypto.MSCHAPv2`.
enum MSCHAPv2Exchange {
    /// RFC 2759 §3: the Challenge value is 16 octets.
    static let challengeLength = 16

    /// What the peer keeps between its Response and the Success.
    struct PeerState: Hashable, Sendable {
        var authenticatorChallenge: [UInt8]
        var peerChallenge: [UInt8]
        var ntResponse: [UInt8]
        var passwordHash: [UInt8]
        var userName: String

        /// RFC 2759 §4: the 49-byte Response value.
        var responseValue: [UInt8] {
            MSCHAPv2ResponseValue(peerChallenge: peerChallenge, ntResponse: ntResponse).bytes
        }
    }

    /// The peer answers a Challenge (RFC 2759 §4, §8.1) with a fresh
    /// Peer-Challenge.
    static func respond(
        to challenge: [UInt8], userName: String, password: String, random: any PPPRandomSource
    ) -> Result<PeerState, PPPFailure> {
        do {
            let hash = try MSCHAPv2.ntPasswordHash(password: password)
            let peerChallenge = random.bytes(challengeLength)
            let nt = try MSCHAPv2.generateNTResponse(
                authenticatorChallenge: challenge, peerChallenge: peerChallenge, userName: userName,
                passwordHash: hash)
            return .success(
                PeerState(
                    authenticatorChallenge: challenge, peerChallenge: peerChallenge, ntResponse: nt,
                    passwordHash: hash, userName: userName))
        } catch {
            return .failure(cryptoFailure(error))
        }
    }

    /// RFC 2759 §5, §8.8: the Success message starts with "S=" and 40 hex
    /// digits that only a server knowing the password can compute. A wrong
    /// one fails the login. On success, the client's MPPE keys (RFC 3079 §3).
    static func verifySuccess(message: some Collection<UInt8>, state: PeerState) -> Result<
        MPPEKeys, PPPFailure
    > {
        let text = String(decoding: message, as: UTF8.self)
        let authenticatorResponse = String(text.prefix(42))
        do {
            var good = false
            if authenticatorResponse.count == 42 {
                good = try MSCHAPv2.checkAuthenticatorResponse(
                    received: authenticatorResponse, passwordHash: state.passwordHash,
                    ntResponse: state.ntResponse,
                    peerChallenge: state.peerChallenge,
                    authenticatorChallenge: state.authenticatorChallenge,
                    userName: state.userName)
            }
            guard good else {
                return .failure(
                    .authenticationFailed(
                        message:
                            "the server's MS-CHAPv2 authenticator response is wrong, so the server does not "
                            + "know the password (a wrong server, or someone in the middle)"))
            }
            return .success(
                try MPPEKeys(
                    passwordHash: state.passwordHash, ntResponse: state.ntResponse, role: .client))
        } catch {
            return .failure(cryptoFailure(error))
        }
    }

    /// RFC 2759 §6: "E=eeeeeeeeee R=r C=cccc... V=vvvvvvvvvv M=<msg>" as a
    /// sentence for the failure reason.
    static func describeFailure(message: some Collection<UInt8>) -> String {
        let text = printable(message)
        var code: Int?
        var humanText: String?
        for field in text.split(separator: " ", omittingEmptySubsequences: true) {
            if field.hasPrefix("E=") { code = Int(field.dropFirst(2)) }
        }
        if let marker = text.indices.first(where: { text[$0...].hasPrefix("M=") }) {
            humanText = String(text[text.index(marker, offsetBy: 2)...])
        }
        var out = "the server refused the MS-CHAPv2 login"
        if let code {
            out += " with error \(code)"
            if let meaning = errorMeaning(code) { out += " (\(meaning))" }
        }
        if let humanText, !humanText.isEmpty { out += ": \(humanText)" }
        return out
    }

    /// RFC 2759 §6 error codes.
    static func errorMeaning(_ code: Int) -> String? {
        switch code {
        case 646: "restricted logon hours"
        case 647: "account disabled"
        case 648: "password expired"
        case 649: "no dial-in permission"
        case 691: "wrong user name or password"
        case 709: "error changing password"
        default: nil
        }
    }

    /// The authenticator's verdict on a Response.
    enum Verdict: Hashable, Sendable {
        /// The Success message ("S=... M=...") and the server's keys.
        case success(message: String, keys: MPPEKeys)
        /// The Failure message (RFC 2759 §6) and the reason for the log.
        case failure(message: String, reason: String)
    }

    /// The authenticator checks a Response (RFC 2759 §8.1, §8.7).
    static func verify(
        response: MSCHAPv2ResponseValue, challenge: [UInt8], userName: String, password: String?
    ) -> Result<Verdict, PPPFailure> {
        let failureMessage =
            "E=691 R=0 C=\(challenge.hexString.uppercased()) V=3 M=Authentication failure"
        guard let password else {
            return .success(.failure(message: failureMessage, reason: "unknown user \(userName)"))
        }
        do {
            let hash = try MSCHAPv2.ntPasswordHash(password: password)
            let expected = try MSCHAPv2.generateNTResponse(
                authenticatorChallenge: challenge, peerChallenge: response.peerChallenge,
                userName: userName,
                passwordHash: hash)
            guard constantTimeEqual(expected, response.ntResponse) else {
                return .success(
                    .failure(message: failureMessage, reason: "user \(userName): wrong password"))
            }
            let authenticator = try MSCHAPv2.generateAuthenticatorResponse(
                passwordHash: hash, ntResponse: response.ntResponse,
                peerChallenge: response.peerChallenge,
                authenticatorChallenge: challenge, userName: userName)
            let keys = try MPPEKeys(
                passwordHash: hash, ntResponse: response.ntResponse, role: .server)
            return .success(.success(message: authenticator + " M=Access granted", keys: keys))
        } catch {
            return .failure(cryptoFailure(error))
        }
    }
}
