/// The HLAK of MS-SSTP 3.2.5.2.1: 32 bytes that bind PPP authentication to
/// the TLS channel.
public struct HigherLayerAuthenticationKey: Hashable, Sendable {
    public static let length = 32

    public let bytes: [UInt8]

    /// Key material longer than 32 bytes is cut, shorter is padded with
    /// zeros at the end (§3.2.5.2.1).
    public init(keyMaterial: [UInt8]) {
        if keyMaterial.count >= Self.length {
            bytes = Array(keyMaterial.prefix(Self.length))
        } else {
            bytes = keyMaterial + [UInt8](repeating: 0, count: Self.length - keyMaterial.count)
        }
    }

    /// PAP, CHAP, no keys, or PPP authentication bypassed: 32 zero bytes.
    public static let zero = HigherLayerAuthenticationKey(keyMaterial: [])

    /// MS-CHAPv2, the client's view: MasterSendKey | MasterReceiveKey.
    public static func mschapv2Client(_ keys: MPPEKeys) -> HigherLayerAuthenticationKey {
        HigherLayerAuthenticationKey(keyMaterial: keys.masterSendKey + keys.masterReceiveKey)
    }

    /// MS-CHAPv2, the server's view: MasterReceiveKey | MasterSendKey of the
    /// server, which equals the client's HLAK.
    public static func mschapv2Server(_ keys: MPPEKeys) -> HigherLayerAuthenticationKey {
        HigherLayerAuthenticationKey(keyMaterial: keys.masterReceiveKey + keys.masterSendKey)
    }

    /// Which bytes of an EAP method's MSK form the HLAK.
    ///
    /// MS-SSTP 3.2.5.2.4 (the SHA-256 binding) says: for EAP-TLS, "SSTP
    /// Client HLAK = Client MasterSendKey" (RFC 3079 §4), and for other EAP
    /// methods "SSTP Client HLAK = Client Master Session Key (MSK)"; in both
    /// cases "if the HLAK is more than 32 octets, then the first 32 octets
    /// form the HLAK. Note that this covers EAP-TLS as well because, the EAP
    /// TLS master session key is at least 64 bytes". The client's send key
    /// is the first 32 bytes of the MSK (RFC 5216 §2.3's Key_Material split
    /// as MS-PEAP 3.1.5.7 tabulates: the peer's MS-MPPE-Send-Key is the
    /// first 32 bytes), so both rules give MSK[0..31]: `.masterSessionKey`.
    ///
    /// MS-SSTP 3.2.5.2.2 (the SHA-1 binding) writes the EAP-TLS HLAK as
    /// "MasterSendKey | MasterReceiveKey" of RFC 3079 §4, whose 128-bit
    /// session keys truncate each master key to 16 octets (RFC 3079 §4.3).
    /// pppd 2.4.9's EAP-TLS keeps exactly those 16-byte halves
    /// (mppe_send_key = MSK[0..15], mppe_recv_key = MSK[32..47] on the
    /// client), and sstp-client and sstpd build the HLAK from them:
    /// `.truncatedMasterKeys`, MSK[0..15] || MSK[32..47].
    public enum EAPKeyLayout: Hashable, Sendable, CaseIterable {
        case masterSessionKey
        case truncatedMasterKeys
    }

    /// An EAP method's HLAK from its MSK. Both ends hold the same MSK (the
    /// authenticator gets it from RADIUS, see `eapServer`), so the client's
    /// and the server's HLAK are the same bytes, as the binding needs.
    public static func eap(msk: [UInt8], layout: EAPKeyLayout = .masterSessionKey)
        -> HigherLayerAuthenticationKey
    {
        switch layout {
        case .masterSessionKey:
            return HigherLayerAuthenticationKey(keyMaterial: msk)
        case .truncatedMasterKeys:
            let send = Array(msk.prefix(16))
            let receive = Array(msk.dropFirst(32).prefix(16))
            return HigherLayerAuthenticationKey(keyMaterial: send + receive)
        }
    }

    /// The authenticator's HLAK from the MS-MPPE keys a RADIUS server sent
    /// in Access-Accept (RFC 2548 §2.4.2, §2.4.3, already decrypted): the
    /// MSK is MS-MPPE-Recv-Key || MS-MPPE-Send-Key (RFC 5216 §2.3 with
    /// MS-PEAP 3.1.5.7: the server's Recv-Key is the first 32 bytes).
    public static func eapServer(
        mppeRecvKey: [UInt8], mppeSendKey: [UInt8], layout: EAPKeyLayout = .masterSessionKey
    ) -> HigherLayerAuthenticationKey {
        eap(msk: mppeRecvKey + mppeSendKey, layout: layout)
    }
}
