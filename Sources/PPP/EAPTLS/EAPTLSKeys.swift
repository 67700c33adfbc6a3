/// The keys an EAP-TLS exchange exports (RFC 5216 §2.3, RFC 9190 §2.3):
/// 128 bytes of Key_Material, cut into the MSK and the EMSK.
public struct EAPTLSKeys: Hashable, Sendable {
    public static let keyMaterialLength = 128
    public static let mskLength = 64

    /// The Master Session Key: Key_Material[0..63].
    public let msk: [UInt8]
    /// The Extended Master Session Key: Key_Material[64..127].
    public let emsk: [UInt8]
    public let version: EAPTLSVersion

    /// RFC 5216 §2.3 (TLS 1.2 and earlier):
    ///   Key_Material = TLS-PRF-128(master_secret, "client EAP encryption",
    ///                              client.random || server.random)
    public static let tls12Label = "client EAP encryption"
    /// RFC 9190 §2.3 (TLS 1.3):
    ///   Key_Material = TLS-Exporter("EXPORTER_EAP_TLS_Key_Material", Type-Code, 128)
    public static let tls13Label = "EXPORTER_EAP_TLS_Key_Material"

    /// Splits 128 bytes of Key_Material. Nil when the engine returned
    /// another length.
    public init?(keyMaterial: [UInt8], version: EAPTLSVersion) {
        guard keyMaterial.count == Self.keyMaterialLength else { return nil }
        msk = Array(keyMaterial[0..<64])
        emsk = Array(keyMaterial[64..<128])
        self.version = version
    }

    /// Asks the engine for Key_Material as RFC 5216 §2.3 or RFC 9190 §2.3
    /// says for the version negotiated. `methodType` is the EAP Type-Code,
    /// the TLS 1.3 exporter context (0x0D for EAP-TLS); TLS 1.2 uses no
    /// context.
    public static func derive(from engine: some EAPTLSEngine, methodType: UInt8) throws(EAPTLSEngineFailure)
        -> EAPTLSKeys
    {
        guard let version = engine.negotiatedVersion else {
            throw EAPTLSEngineFailure(kind: .exportFailed, detail: "no TLS version was negotiated")
        }
        let material: [UInt8]
        switch version {
        case .tls12OrEarlier:
            material = try engine.exportKeyingMaterial(
                label: tls12Label, context: nil, length: keyMaterialLength)
        case .tls13:
            material = try engine.exportKeyingMaterial(
                label: tls13Label, context: [methodType], length: keyMaterialLength)
        }
        guard let keys = EAPTLSKeys(keyMaterial: material, version: version) else {
            throw EAPTLSEngineFailure(
                kind: .exportFailed,
                detail: "the TLS exporter returned \(material.count) bytes, not \(keyMaterialLength)")
        }
        return keys
    }

    /// The peer's MS-MPPE keys: the first 32 bytes of the MSK are the
    /// peer's send key (the authenticator's MS-MPPE-Recv-Key), the next 32
    /// its receive key (MS-PEAP 3.1.5.7, the RFC 5216 Key_Material split;
    /// RFC 2548 §2.4.2, §2.4.3 for the attributes).
    public var peerSendKey: [UInt8] { Array(msk[0..<32]) }
    public var peerReceiveKey: [UInt8] { Array(msk[32..<64]) }
}
