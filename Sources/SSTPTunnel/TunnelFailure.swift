public import PPP
public import SSTPHTTP
public import SSTPPlatform
public import SSTPSession
import SSTPCall
public import SSTPTLS

/// Why a tunnel ended or could not start. Each description says what
/// failed and what to do; `exitCode` is the `sstp` command's exit status.
public enum TunnelFailure: Error, Sendable, CustomStringConvertible {
    /// What ended an SSTP call on its own.
    init(_ failure: CallEnd.Failure) {
        switch failure {
        case .ppp(let failure): self = .ppp(failure)
        case .sstp(let reason): self = .sstp(reason)
        }
    }

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

    /// The groups the exit codes distinguish.
    public enum Category: Int32, Sendable, CaseIterable {
        case authentication = 2
        case certificate = 3
        case serverRefused = 4
        case network = 5
        case local = 6
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
            case .cryptoUnavailable: return .local
            default: return .serverRefused
            }
        case .local:
            return .local
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
            return failure.description
        case .local(let what):
            return what
        }
    }
}
