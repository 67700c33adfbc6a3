import SSTPCrypto

/// EAP-TLS or PEAP inside the client's EAP authenticatee: one shape for
/// both peers (Requests of the method's Type in, Responses out, success
/// with the MSK), so `EAPAuthenticatee` handles them alike.
struct EAPTLSMethodSession: Sendable {
    enum Outcome: Hashable, Sendable {
        case respond(identifier: UInt8, typeAndData: [UInt8])
        /// The method's MSK (RFC 5216 §2.3, MS-PEAP 3.1.5.7).
        case succeeded(msk: [UInt8])
        case failed(PPPFailure)
        case log(String)
    }

    private enum Peer: Sendable {
        case tls(EAPTLSPeer<AnyEAPTLSEngine>)
        case peap(PEAPPeer<AnyEAPTLSEngine>)
    }

    private var peer: Peer
    let type: UInt8

    /// Nil when the method is EAP-MSCHAPv2 (no TLS).
    init?(
        method: PPPEAPMethod, identity: String, userName: String, password: String, random: any PPPRandomSource
    ) throws(EAPTLSEngineFailure) {
        switch method {
        case .mschapv2:
            return nil
        case .tls(let factory):
            peer = .tls(EAPTLSPeer(engine: try factory.makeEngine()))
        case .peap(let factory, let requireCryptobinding):
            peer = .peap(
                PEAPPeer(
                    engine: try factory.makeEngine(), identity: identity, userName: userName, password: password,
                    random: random, requireCryptobinding: requireCryptobinding))
        }
        type = method.type
    }

    mutating func handle(_ event: EAPTLSPeerEvent) -> [Outcome] {
        switch peer {
        case .tls(var tls):
            let actions = tls.handle(event)
            peer = .tls(tls)
            return Self.outcomes(actions, method: "EAP-TLS")
        case .peap(var peap):
            let actions = peap.handle(event)
            peer = .peap(peap)
            return Self.outcomes(actions, method: "PEAP")
        }
    }

    private static func outcomes<Keys, Failure>(
        _ actions: [EAPTLSMethodAction<Keys, Failure>], method: String
    ) -> [Outcome] {
        actions.map { action in
            switch action {
            case .respond(let identifier, let data): .respond(identifier: identifier, typeAndData: data)
            case .succeeded(let keys): .succeeded(msk: keys.msk)
            case .failed(let failure):
                if let engine = failure.engineFailure, engine.kind == .serverCertificateUntrusted {
                    .failed(.eapServerUntrusted(method: method, detail: engine.detail))
                } else {
                    .failed(
                        .authenticationFailed(
                            message: failure.description,
                            advice: method == "EAP-TLS" ? .clientCertificate : .credentials))
                }
            case .log(let line): .log(line)
            }
        }
    }
}
