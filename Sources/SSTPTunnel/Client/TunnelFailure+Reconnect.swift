public import SSTPCall
import SSTPHTTP
import SSTPTLS

extension TunnelFailure {
    /// How this failure bears on reconnecting (issue 14): the reconnect
    /// policy's input. The driver passes `.requested` for an end without a
    /// failure (`outcome` returned nil).
    public var reconnectCause: ReconnectCause {
        switch self {
        case .resolve, .connect, .timeout, .proxyResponse, .httpResponse, .sessionEnded:
            return .transient
        case .proxy(let refusal):
            if case .authenticationRequired = refusal { return .authentication }
            return .transient
        case .http(let refusal):
            // 401 and 403 refuse the account before PPP runs; a 5xx may pass.
            if case .status(let code, _) = refusal, code == 401 || code == 403 { return .authentication }
            return .transient
        case .tls(let error):
            return Self.reconnectCause(error)
        case .sstp(let reason):
            return ReconnectCause(reason)
        case .ppp(let failure):
            return ReconnectCause(failure)
        case .local:
            return .configuration
        }
    }

    /// A closed or failed socket may pass; every verdict on the certificate
    /// or the handshake is final, and so is a bad local TLS set-up.
    static func reconnectCause(_ error: TLSError) -> ReconnectCause {
        switch error {
        case .peerClosed, .syscall, .handshakeNotFinished:
            return .transient
        case .invalidServerName, .invalidPin, .invalidVersionRange, .trustStoreError, .certificateFileError,
            .privateKeyError, .clientIdentityError, .openSSLFailure:
            return .configuration
        default:
            return .certificate
        }
    }
}
