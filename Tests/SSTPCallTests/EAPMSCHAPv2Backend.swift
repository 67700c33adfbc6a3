import PPP
import SSTPCrypto

/// A stand-in for a RADIUS server's EAP-MSCHAPv2 (draft-kamath-pppext-
/// eap-mschapv2 §2) behind the server's pass-through authenticator: it
/// answers EAP Responses with EAP Requests, then accepts with the MS-MPPE
/// keys a RADIUS server sends (RFC 2548: the authenticator's Recv-Key and
/// Send-Key, RFC 3079 §3.4 master keys) or rejects. Written from the RFCs
/// with the public MS-CHAPv2 primitives, not with the engine's own
/// authenticator.
final class EAPMSCHAPv2Backend {
    let users: [String: String]
    /// Answer nothing: every Response is met with `.unreachable`.
    var unreachable = false
    private let challenge = [UInt8](repeating: 0x5c, count: 16)
    private var keys: MPPEKeys?
    private var refused = false
    private(set) var responses: [[UInt8]] = []

    init(users: [String: String]) {
        self.users = users
    }

    func answer(_ response: [UInt8]) -> EAPBackendAnswer {
        responses.append(response)
        if unreachable { return .unreachable("the RADIUS server did not answer") }
        guard response.count >= 5, response[0] == 2 else { return .reject(eap: nil, reason: "not a Response") }
        let id = response[1]
        switch (response[4], response.count > 5 ? response[5] : 0) {
        case (1, _):
            // Challenge: OpCode 1, MS-CHAPv2-ID, MS-Length, Value-Size 16, Value, Name.
            let body = [16] + challenge + Array("radius".utf8)
            return .request(request(id: id &+ 1, opCode: 1, body: body))
        case (26, 2):
            return checkResponse(response, id: id)
        case (26, 3):
            guard let keys else { return .reject(eap: nil, reason: "no Success-Request was sent") }
            return .accept(eap: [3, id, 0, 4], recvKey: keys.masterReceiveKey, sendKey: keys.masterSendKey)
        case (26, 4):
            return .reject(eap: [4, id, 0, 4], reason: "Wrong password")
        default:
            return .reject(eap: [4, id, 0, 4], reason: "unexpected Response")
        }
    }

    private func request(id: UInt8, opCode: UInt8, body: [UInt8]) -> [UInt8] {
        let length = 5 + 4 + body.count
        let msLength = 4 + body.count
        return [1, id, UInt8(length >> 8), UInt8(length & 0xff), 26, opCode, id]
            + [UInt8(msLength >> 8), UInt8(msLength & 0xff)] + body
    }

    private func checkResponse(_ response: [UInt8], id: UInt8) -> EAPBackendAnswer {
        // Type 26, OpCode 2, MS-CHAPv2-ID, MS-Length, Value-Size 49, Value, Name.
        guard response.count >= 10 + 49, response[9] == 49 else { return .reject(eap: nil, reason: "short") }
        let value = Array(response[10..<59])
        let name = String(decoding: response[59...], as: UTF8.self)
        let peerChallenge = Array(value[0..<16])
        let ntResponse = Array(value[24..<48])
        guard let password = users[name],
            let hash = try? MSCHAPv2.ntPasswordHash(password: password),
            let expected = try? MSCHAPv2.generateNTResponse(
                authenticatorChallenge: challenge, peerChallenge: peerChallenge, userName: name, passwordHash: hash),
            expected == ntResponse,
            let success = try? MSCHAPv2.generateAuthenticatorResponse(
                passwordHash: hash, ntResponse: ntResponse, peerChallenge: peerChallenge,
                authenticatorChallenge: challenge, userName: name)
        else {
            refused = true
            return .request(request(id: id &+ 1, opCode: 4, body: Array("E=691 R=0 V=3 M=Access denied".utf8)))
        }
        keys = try? MPPEKeys(passwordHash: hash, ntResponse: ntResponse, role: .server)
        return .request(request(id: id &+ 1, opCode: 3, body: Array((success + " M=Welcome").utf8)))
    }
}
