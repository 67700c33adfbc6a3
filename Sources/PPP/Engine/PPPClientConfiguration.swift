/// What the client (authenticatee) engine needs to know.
public struct PPPClientConfiguration: Sendable, CustomStringConvertible {
    /// The name to authenticate as. For MS-CHAPv2 it may be `DOMAIN\user`:
    /// the whole name is sent, only `user` enters the hash (RFC 2759 §4).
    public var userName: String
    public var password: String
    /// Methods never to use, like pppd's refuse-pap, refuse-chap,
    /// refuse-mschap-v2 and refuse-eap. When the server asks for one, the
    /// client Naks it with the next method it accepts, in
    /// `PPPAuthenticationMethod.clientPreference` order.
    public var refusedMethods: Set<PPPAuthenticationMethod>
    /// The MRU we ask for (RFC 1661 §6.1). It is only sent when it differs
    /// from the default 1500; the interface MTU is also capped by it.
    public var mru: Int
    /// Run IPv6CP next to IPCP.
    public var requestIPv6: Bool
    /// Ask for primary and secondary DNS (RFC 1877 §1.1, §1.3).
    public var requestDNS: Bool
    /// Ask for primary and secondary NBNS (RFC 1877 §1.2, §1.4).
    public var requestNBNS: Bool
    /// The name sent in EAP Identity; the user name when `nil`.
    public var eapIdentity: String?
    /// The EAP method answered when the server chooses EAP at LCP.
    public var eapMethod: PPPEAPMethod = .mschapv2
    /// How EAP-TLS and PEAP cut the SSTP HLAK from the MSK. Default
    /// `.truncatedMasterKeys`, MSK[0..15] || MSK[32..47]: pppd 2.4.9's
    /// EAP-TLS client copies 16 bytes (its MPPE key size) from Key_Material
    /// offsets 0 and 32 into mppe_send_key / mppe_recv_key
    /// (eaptls_gen_mppe_keys), sstp-client's pppd plugin hands those two
    /// keys over, and sstp-client's HLAK is the 16-byte send key || the
    /// 16-byte receive key (sstp-state.c) -- MS-SSTP 3.2.5.2.4's
    /// "MasterSendKey | MasterReceiveKey" with RFC 3079 §4 16-byte keys. A
    /// server built on pppd (sstpd) computes the mirror image, so both ends
    /// agree. `.masterSessionKey` (MSK[0..31]) is the literal reading of
    /// the "other EAP" row and stays selectable.
    public var eapKeyLayout: PPPEAPKeyLayout = .truncatedMasterKeys
    public var limits: PPPNegotiationLimits
    public var keepalive: PPPKeepalive
    /// How long the Authenticate phase may take before the server counts as
    /// not answering; zero means no limit beyond the retransmission counters.
    public var authenticationTimeout: Duration
    /// The server's identity is not checked (TLS certificate checking is
    /// off): whoever answered gets what the method sends.
    public var serverIdentityUnverified = false
    /// Use PAP and CHAP-MD5 even with `serverIdentityUnverified`: PAP sends
    /// the password in clear and CHAP-MD5 a hash open to offline guessing,
    /// to a server nobody checked.
    public var allowWeakAuthenticationWithoutVerification = false

    /// The MRU asked for unless told otherwise: a 1400-byte tunnel MTU
    /// leaves room for SSTP, TLS and TCP in a 1500-byte path.
    public static let defaultMRU = 1400

    public init(
        userName: String, password: String, refusedMethods: Set<PPPAuthenticationMethod> = [],
        mru: Int = PPPClientConfiguration.defaultMRU, requestIPv6: Bool = true, requestDNS: Bool = true,
        requestNBNS: Bool = false,
        eapIdentity: String? = nil, limits: PPPNegotiationLimits = .default,
        keepalive: PPPKeepalive = .off,
        authenticationTimeout: Duration = .seconds(30)
    ) {
        self.userName = userName
        self.password = password
        self.refusedMethods = refusedMethods
        self.mru = mru
        self.requestIPv6 = requestIPv6
        self.requestDNS = requestDNS
        self.requestNBNS = requestNBNS
        self.eapIdentity = eapIdentity
        self.limits = limits
        self.keepalive = keepalive
        self.authenticationTimeout = authenticationTimeout
    }

    /// The methods refused because the server's identity is not checked
    /// (and the user did not allow them anyway); those the user refuses
    /// are not counted here.
    public var refusedAsWeak: Set<PPPAuthenticationMethod> {
        guard serverIdentityUnverified, !allowWeakAuthenticationWithoutVerification else { return [] }
        return PPPAuthenticationMethod.weakWithoutVerification.subtracting(refusedMethods)
    }

    /// The methods the client accepts, best first.
    public var acceptedMethods: [PPPAuthenticationMethod] {
        let weak = refusedAsWeak
        return PPPAuthenticationMethod.clientPreference.filter {
            !refusedMethods.contains($0) && !weak.contains($0)
        }
    }

    /// Never shows the password.
    public var description: String {
        "PPPClientConfiguration(user: \(userName), refused: \(refusedMethods.map(\.rawValue).sorted()), "
            + "weak refused: \(refusedAsWeak.map(\.rawValue).sorted()), "
            + "MRU \(mru), IPv6 \(requestIPv6), DNS \(requestDNS), NBNS \(requestNBNS))"
    }
}
