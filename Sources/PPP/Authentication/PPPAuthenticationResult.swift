public import SSTPCrypto

/// The outcome of a successful Authenticate phase, as SSTP's crypto binding
/// needs it (MS-SSTP 3.2.5.2.1).
public struct PPPAuthenticationResult: Hashable, Sendable {
    /// The method used; `nil` when the peer asked for no authentication.
    public var method: PPPAuthenticationMethod?
    /// The client: the name it authenticated as. The server: the name the
    /// client gave, which the users map accepted.
    public var userName: String?
    /// The MS-CHAPv2 master keys (RFC 3079 §3.4), from this end's point of
    /// view; `nil` for PAP, CHAP-MD5 and no authentication.
    public var mppeKeys: MPPEKeys?
    /// The HLAK: `.mschapv2Client(keys)` in the client, `.mschapv2Server(keys)`
    /// in the server (both equal), 32 zero bytes without keys.
    public var higherLayerAuthenticationKey: HigherLayerAuthenticationKey

    public init(
        method: PPPAuthenticationMethod?, userName: String?, mppeKeys: MPPEKeys?,
        higherLayerAuthenticationKey: HigherLayerAuthenticationKey
    ) {
        self.method = method
        self.userName = userName
        self.mppeKeys = mppeKeys
        self.higherLayerAuthenticationKey = higherLayerAuthenticationKey
    }

    /// PAP, CHAP-MD5 or none: no keys, a zero HLAK.
    static func withoutKeys(_ method: PPPAuthenticationMethod?, userName: String?) -> Self {
        Self(method: method, userName: userName, mppeKeys: nil, higherLayerAuthenticationKey: .zero)
    }

    static func client(_ method: PPPAuthenticationMethod, userName: String, keys: MPPEKeys) -> Self {
        Self(
            method: method, userName: userName, mppeKeys: keys,
            higherLayerAuthenticationKey: .mschapv2Client(keys))
    }

    static func server(_ method: PPPAuthenticationMethod, userName: String, keys: MPPEKeys) -> Self {
        Self(
            method: method, userName: userName, mppeKeys: keys,
            higherLayerAuthenticationKey: .mschapv2Server(keys))
    }
}
