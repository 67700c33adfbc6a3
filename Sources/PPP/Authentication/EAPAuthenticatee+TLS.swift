import SSTPCrypto

/// EAP-TLS and PEAP in the client's EAP authenticatee: Requests of the
/// method's Type go to its peer; its Success carries the MSK, from which
/// the SSTP HLAK is cut (MS-SSTP 3.2.5.2.4, `keyLayout`).
extension EAPAuthenticatee {
    mutating func receiveTLSRequest(_ packet: PPPControlPacket, whole: [UInt8]) -> [AuthenticationOutput] {
        if tlsSession == nil {
            do throws(EAPTLSEngineFailure) {
                tlsSession = try EAPTLSMethodSession(
                    method: method, identity: identity, userName: userName, password: password, random: random)
            } catch {
                finished = true
                return [.failed(.localSetup("\(method): \(error.detail)"))]
            }
        }
        return tlsOutputs(
            identifier: packet.identifier,
            event: .request(identifier: packet.identifier, typeAndData: Array(packet.data)))
    }

    mutating func tlsOutputs(identifier: UInt8, event: EAPTLSPeerEvent) -> [AuthenticationOutput] {
        guard var session = tlsSession else { return [] }
        let outcomes = session.handle(event)
        tlsSession = session
        var out: [AuthenticationOutput] = []
        for outcome in outcomes {
            switch outcome {
            case .respond(let id, let data):
                out.append(.send(PPPControlPacket.serialize(code: EAPCode.response, identifier: id, data: data)))
            case .log(let line):
                out.append(.log(line))
            case .succeeded(let msk):
                finished = true
                out.append(
                    .succeeded(
                        PPPAuthenticationResult(
                            method: .eapMSCHAPv2, userName: userName, mppeKeys: nil,
                            higherLayerAuthenticationKey: .eap(msk: msk, layout: keyLayout))))
            case .failed(let failure):
                finished = true
                out.append(.failed(failure))
            }
        }
        return out
    }
}
