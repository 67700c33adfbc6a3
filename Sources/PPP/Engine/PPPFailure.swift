/// Why a link ended. The cases distinguish what NetworkManager reports:
/// a login failure, a peer that went silent, a failed negotiation, a bad
/// IP configuration, and an end the peer or the user asked for.
public enum PPPFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The authenticator rejected our credentials, or (as authenticator) the
    /// peer gave wrong ones, or the server failed to prove it knows the
    /// password (MS-CHAPv2 authenticator response).
    case authenticationFailed(message: String, advice: AuthenticationAdvice = .credentials)
    /// EAP-TLS or PEAP: the authentication server's certificate did not
    /// verify against the EAP CA and expected name (RFC 5216 §5.3), kept
    /// apart from a refused login because the fix is the trust settings.
    case eapServerUntrusted(method: String, detail: String)
    /// The peer stopped answering during the given stage.
    case peerNotResponding(PPPStage)
    /// The two ends could not agree (LCP options not converging, a
    /// catastrophic Code-Reject...).
    case negotiationFailed(String)
    /// The client agreed to none of the authentication methods the server
    /// proposed (RFC 1661 §6.2, RFC 1994 §3, RFC 2759 §2): every
    /// Authentication-Protocol the server put in a Configure-Request or a
    /// Configure-Nak (`offered`, those this client implements, and
    /// `unsupported`, named), and the methods this client refuses.
    case noCommonAuthenticationMethod(
        offered: [PPPAuthenticationMethod], refused: [PPPAuthenticationMethod],
        unsupported: [String])
    /// The server offered only methods that expose the password to whoever
    /// answered (PAP: in clear; CHAP-MD5: a hash open to offline guessing)
    /// while the server's certificate is not checked, and the user did not
    /// allow that.
    case weakAuthenticationWithoutVerification(offered: [PPPAuthenticationMethod])
    /// The local PPP implementation could not run (pppd without kernel
    /// PPP, bad pppd options...): nothing the server did.
    case localSetup(String)
    /// IPCP finished without a usable address for us, or IPv4 and IPv6
    /// could both not be configured.
    case badIPConfiguration(String)
    /// The peer sent a Terminate-Request (its reason, if it gave one).
    case terminatedByPeer(String)
    /// Our own Magic-Number keeps coming back: the line is looped back
    /// (RFC 1661 §6.4).
    case loopbackDetected
    /// The lower layer (SSTP, TLS, TCP) went away.
    case lowerLayerDown
    /// We were told to close the link.
    case closedLocally
    /// The crypto library cannot compute what the method needs (for
    /// MS-CHAPv2, OpenSSL's legacy provider holding MD4 and DES).
    case cryptoUnavailable(String)

    /// What to check after a refused login: the password, or (EAP-TLS)
    /// the client certificate.
    public enum AuthenticationAdvice: Hashable, Sendable {
        case credentials
        case clientCertificate
    }

    /// The stage at which a peer went silent.
    public enum PPPStage: String, Hashable, Sendable {
        case lcp = "LCP negotiation"
        case authentication = "authentication"
        case ipcp = "IPCP negotiation"
        case ipv6cp = "IPv6CP negotiation"
        case lcpEcho = "LCP echo keepalive"
        case termination = "link termination"
    }

    public var description: String {
        switch self {
        case .authenticationFailed(let message, .credentials):
            "Authentication failed: \(message). Check the user name and password, and which "
                + "authentication methods the server and this client allow."
        case .authenticationFailed(let message, .clientCertificate):
            "Authentication failed: \(message). Check that the authentication server trusts the CA of the "
                + "client certificate (--client-cert), that the certificate is neither revoked nor expired, "
                + "and the EAP identity it expects (--eap-identity)."
        case .eapServerUntrusted(let method, let detail):
            "\(method): the authentication server's certificate is not trusted: \(detail). Check the EAP CA "
                + "certificate (--eap-ca-cert) and the expected server name (--eap-server-name)."
        case .peerNotResponding(let stage):
            "The server stopped answering during \(stage.rawValue). Check that the server is "
                + "reachable and running, then try again."
        case .negotiationFailed(let reason):
            "PPP negotiation failed: \(reason). The server's PPP settings do not match what this "
                + "client can do; check the server's log."
        case .noCommonAuthenticationMethod(let offered, let refused, let unsupported):
            "No authentication method in common: the server offered "
                + PPPFailure.list(offered.map(\.rawValue) + unsupported)
                + "; this client refuses " + PPPFailure.list(refused.map(\.rawValue)) + "."
        case .weakAuthenticationWithoutVerification(let offered):
            "The server offered only " + PPPFailure.list(offered.map(\.rawValue))
                + ", refused because the server's certificate is not checked."
        case .localSetup(let detail):
            "PPP cannot run on this host: \(detail)."
        case .badIPConfiguration(let reason):
            "The IP configuration is unusable: \(reason). Check the server's address pool."
        case .terminatedByPeer(let reason):
            reason.isEmpty
                ? "The server ended the PPP link. It may be shutting down or have dropped this user."
                : "The server ended the PPP link (\"\(reason)\"). It may be shutting down or have "
                    + "dropped this user."
        case .loopbackDetected:
            "The link is looped back: our own PPP packets come back to us. Check the server address."
        case .lowerLayerDown:
            "The SSTP connection below PPP went away. Check the network and try again."
        case .closedLocally:
            "The link was closed on request."
        case .cryptoUnavailable(let detail):
            "The crypto library cannot do what the authentication method needs (\(detail)). "
                + "Install OpenSSL's legacy provider, or use another method."
        }
    }

    /// "A", "A and B", "A, B and C"; "nothing" when empty.
    public static func list(_ names: [String]) -> String {
        switch names.count {
        case 0: "nothing"
        case 1: names.first ?? ""
        default: names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
        }
    }
}
