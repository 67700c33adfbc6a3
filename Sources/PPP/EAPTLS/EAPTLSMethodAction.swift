import SSTPCrypto

/// What a peer of an EAP method carried over TLS (EAP-TLS, PEAP) asks the
/// EAP layer to do. One shape for both methods, so the EAP authenticatee
/// turns either into its outcomes the same way.
public enum EAPTLSMethodAction<Keys: EAPMethodKeys, Failure: EAPTLSMethodFailure>: Hashable, Sendable {
    /// Send an EAP-Response with this Identifier and Data field.
    case respond(identifier: UInt8, typeAndData: [UInt8])
    case succeeded(Keys)
    case failed(Failure)
    case log(String)
}

/// The keys a method exports: the MSK (RFC 5216 §2.3, MS-PEAP 3.1.5.7).
public protocol EAPMethodKeys: Hashable, Sendable {
    var msk: [UInt8] { get }
}

/// A method's failure, and the TLS engine's failure behind it if any (an
/// untrusted server certificate is told apart from a refusal).
public protocol EAPTLSMethodFailure: Error, Hashable, Sendable, CustomStringConvertible {
    var engineFailure: EAPTLSEngineFailure? { get }
}

extension EAPTLSKeys: EAPMethodKeys {}
extension PEAPKeyMaterial: EAPMethodKeys {}

extension EAPTLSPeerFailure: EAPTLSMethodFailure {
    public var engineFailure: EAPTLSEngineFailure? {
        if case .tls(let failure) = self { failure } else { nil }
    }
}

extension PEAPPeerFailure: EAPTLSMethodFailure {
    public var engineFailure: EAPTLSEngineFailure? {
        if case .tls(let failure) = self { failure } else { nil }
    }
}
