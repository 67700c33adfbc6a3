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
}
