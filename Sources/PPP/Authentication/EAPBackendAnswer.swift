public import SSTPCrypto

/// What an EAP authentication server (RADIUS, RFC 3579) answered the
/// pass-through authenticator (RFC 3748 §2.3), as the driver that relays
/// to it reports it with `PPPEvent.eapBackend`.
public enum EAPBackendAnswer: Hashable, Sendable {
    /// An EAP Request for the peer (Code onward; RFC 3579 §2.6.3:
    /// Access-Challenge).
    case request([UInt8])
    /// The server accepted the peer (Access-Accept): the EAP Success for
    /// the peer (nil: the authenticator makes one, RFC 3579 §2.6.3) and the
    /// authenticator's MS-MPPE-Recv-Key and MS-MPPE-Send-Key (RFC 2548
    /// §2.4.2, §2.4.3, decrypted), nil when the server sent none.
    case accept(eap: [UInt8]?, recvKey: [UInt8]?, sendKey: [UInt8]?)
    /// The server refused the peer (Access-Reject), with its
    /// Reply-Message if any.
    case reject(eap: [UInt8]?, reason: String?)
    /// The server could not be asked: it never answered, or nothing
    /// listens where it should be.
    case unreachable(String)
}

/// How the authenticator runs EAP: the methods it knows itself, or in
/// pass-through to an authentication server (RFC 3748 §2.3).
public struct EAPPassThrough: Hashable, Sendable {
    /// Which bytes of the MSK form the HLAK of the SSTP crypto binding
    /// (MS-SSTP 3.2.5.2; see `HigherLayerAuthenticationKey.EAPKeyLayout`).
    public var keyLayout: HigherLayerAuthenticationKey.EAPKeyLayout
    /// Where the authentication server is, for messages.
    public var serverName: String

    public init(keyLayout: HigherLayerAuthenticationKey.EAPKeyLayout = .masterSessionKey, serverName: String) {
        self.keyLayout = keyLayout
        self.serverName = serverName
    }
}
