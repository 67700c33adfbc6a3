public import PPP
public import SSTPHTTP
public import SSTPPlatform
public import SSTPSession
public import SSTPCall
public import SSTPTLS

/// Why a tunnel ended or could not start. Each description says what
/// failed and what to do; `exitCode` is the `sstp` command's exit status.
public enum TunnelFailure: Error, Sendable, CustomStringConvertible {

    case resolve(host: String, SystemError)
    case connect(String, SystemError)
    case timeout(String)
    case proxy(HTTPConnect.Refusal)
    case proxyResponse(HTTPParseError)
    case tls(TLSError)
    case http(SSTPDuplexPost.Refusal)
    case httpResponse(HTTPParseError)
    case sstp(SSTPCloseReason)
    case ppp(PPPFailure)
    case local(String)
    /// The server ended a session that was up (IPCP done, "connected:"
    /// printed): not a refusal at connect time.
    case sessionEnded(SessionEnd)

    /// How the server ended an established session.
    public enum SessionEnd: Hashable, Sendable {
        /// SSTP CALL_DISCONNECT (MS-SSTP 3.2.7.2).
        case callDisconnect
        /// PPP LCP Terminate-Request (RFC 1661 §5.5), with its reason text.
        case pppTerminate(String)
    }

    /// The groups the exit codes distinguish.
    public enum Category: Int32, Sendable, CaseIterable {
        case authentication = 2
        case certificate = 3
        case serverRefused = 4
        case network = 5
        case local = 6
        /// The server ended a session that had been established.
        case sessionEnded = 7
    }

    public var category: Category {
        switch self {
        case .resolve, .connect, .timeout, .proxy, .proxyResponse:
            return .network
        case .tls(let error):
            switch error {
            case .peerClosed, .syscall: return .network
            case .handshakeAlert, .protocolVersion, .protocolError: return .certificate
            default: return .certificate
            }
        case .http, .httpResponse:
            return .serverRefused
        case .sstp(let reason):
            switch reason {
            case .peerNotResponding, .transportClosed, .delineationFailed: return .network
            case .negotiationTimeout: return .network
            default: return .serverRefused
            }
        case .ppp(let failure):
            switch failure {
            case .authenticationFailed: return .authentication
            case .peerNotResponding, .lowerLayerDown: return .network
            case .cryptoUnavailable, .localSetup: return .local
            // The fix is checking the certificate (or allowing the risk).
            case .weakAuthenticationWithoutVerification, .eapServerUntrusted: return .certificate
            default: return .serverRefused
            }
        case .local:
            return .local
        case .sessionEnded:
            return .sessionEnded
        }
    }

    public var exitCode: Int32 { category.rawValue }

    /// The description in the terms of `frontEnd`: option names as the
    /// `sstp` command, NetworkManager's vpn.data or the D-Bus API spell them.
    public func description(for frontEnd: FrontEnd) -> String {
        frontEnd.render(description)
    }

    public var description: String {
        switch self {
        case .resolve(let host, let error):
            return "cannot resolve \(host): \(error). Check the server name and your DNS"
        case .connect(let target, let error):
            return "cannot connect to \(target): \(error). Check the server address and port, "
                + "and that a firewall lets HTTPS through"
        case .timeout(let step):
            return "timed out \(step). Check that the server is reachable"
        case .proxy(let refusal):
            return refusal.description
        case .proxyResponse(let error):
            return "the proxy's answer is not valid HTTP (\(error)); check the proxy address and port"
        case .tls(let error):
            return "TLS: \(error)"
        case .http(let refusal):
            return refusal.description
        case .httpResponse(let error):
            return "the server's answer is not valid HTTP (\(error)); check that this address serves SSTP"
        case .sstp(let reason):
            return reason.description
        case .ppp(let failure):
            return Self.describe(failure)
        case .local(let what):
            return what
        case .sessionEnded(let end):
            let how =
                switch end {
                case .callDisconnect: "with CALL_DISCONNECT"
                case .pppTerminate(let reason) where reason.isEmpty: "with a PPP Terminate-Request"
                case .pppTerminate(let reason): "with a PPP Terminate-Request (\"\(reason)\")"
                }
            return "the server ended the established session \(how): it may be shutting down or "
                + "an administrator disconnected this user; connect again to continue"
        }
    }

    /// The end of a call that ended on its own, from what PPP and SSTP
    /// said: nil for a disconnect we asked for; once the session was
    /// established, the server's CALL_DISCONNECT or Terminate-Request is
    /// `sessionEnded` (exit 7), distinct from a refusal while connecting.
    public static func outcome(_ end: CallEnd, established: Bool) -> TunnelFailure? {
        switch end.failure {
        case nil:
            return nil
        case .ppp(.terminatedByPeer(let reason)) where established && !end.requested:
            return .sessionEnded(.pppTerminate(reason))
        case .ppp(let failure):
            return .ppp(failure)
        case .sstp(.disconnectedByPeer) where established:
            return .sessionEnded(.callDisconnect)
        case .sstp(let reason):
            return .sstp(reason)
        }
    }

    /// PPP's failures as the user reads them; the option names are those of
    /// the command line, the config file and vpn.data (where they differ,
    /// both are named).
    static func describe(_ failure: PPPFailure) -> String {
        switch failure {
        case .noCommonAuthenticationMethod(let offered, let refused, let unsupported):
            let names: [String] =
                offered.map(\.rawValue) + unsupported.map { "\($0) (not implemented by this client)" }
            let offer = "no PPP authentication method in common: the server offered \(PPPFailure.list(names))"
            guard !refused.isEmpty else {
                let all = PPPAuthenticationMethod.clientPreference.map(\.rawValue)
                return "\(offer); have the server offer \(PPPFailure.list(all))"
            }
            var options = "options " + PPPFailure.list(refused.map(refuseOption))
            if refused.contains(.mschapv2) { options += "; refuse-mschapv2 in vpn.data" }
            return "\(offer); this client refuses \(PPPFailure.list(refused.map(\.rawValue))) (\(options)). "
                + "Allow one of the server's methods, or have the server offer one this client accepts"
        case .weakAuthenticationWithoutVerification(let offered):
            let exposure: [String] = offered.map { method in
                method == .pap
                    ? "PAP would send the password in clear text"
                    : "\(method) would send a hash of the password that can be cracked offline"
            }
            let methods = PPPFailure.list(offered.map(\.rawValue))
            return "refused to authenticate: the server offered only \(methods), and certificate checking "
                + "is off (insecure-skip-verify; ignore-cert-warn in vpn.data), so nothing shows this is the real "
                + "server: "
                + "\(exposure.joined(separator: "; ")) to whoever answered. Check the server's certificate "
                + "(ca-cert or pin), have the server offer MS-CHAPv2 or EAP, or accept the risk with "
                + "--allow-weak-auth-without-verify (allow-weak-auth-without-verify=yes in the config "
                + "file or vpn.data)"
        default:
            return failure.description
        }
    }

    private static func refuseOption(_ method: PPPAuthenticationMethod) -> String {
        switch method {
        case .pap: "refuse-pap"
        case .chapMD5: "refuse-chap"
        case .mschapv2: "refuse-mschap-v2"
        case .eapMSCHAPv2: "refuse-eap"
        }
    }
}
