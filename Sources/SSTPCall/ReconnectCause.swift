public import PPP
public import SSTPSession

/// How the end of a call, or of an attempt to start one, bears on
/// reconnecting (issue 14). Authentication, certificate and crypto-binding
/// failures, a local set-up that cannot work and a disconnect the user asked
/// for are final: trying again would fail the same way (or lock the account,
/// or undo what the user asked). Everything else (a lost transport, a silent
/// peer, a server that aborted, refused for now or ended the session) is
/// transient and worth another attempt after a back-off; a change of the
/// path to the server (new route, the machine resumed) is worth one at once.
public enum ReconnectCause: Hashable, Sendable {
    /// The user (or the driver) asked to disconnect.
    case requested
    /// PPP authentication failed, or the server or the proxy refused the
    /// credentials or the account.
    case authentication
    /// The server's certificate is not trusted (chain, name, pin, dates), or
    /// the TLS handshake itself was refused; also PAP or CHAP-MD5 refused
    /// while the certificate is not checked.
    case certificate
    /// The server rejected our crypto binding (MS-SSTP 3.2.5.2): a
    /// TLS-inspecting middlebox, which will be there next time too.
    case cryptoBindingRejected
    /// A local set-up that cannot work (bad option, unreadable file, no
    /// crypto provider, no authentication method in common).
    case configuration
    /// The transport, the peer or the server failed in a way that may pass.
    case transient
    /// The route to the server changed or the machine slept: the old
    /// transport is stale, and a new one may work at once.
    case pathChanged

    /// No reconnect after this.
    public var isFinal: Bool {
        switch self {
        case .requested, .authentication, .certificate, .cryptoBindingRejected, .configuration: true
        case .transient, .pathChanged: false
        }
    }

    /// The cause of a call's end: the failure PPP reported first (it says why
    /// the call went down), then SSTP's reason; an end without a failure was
    /// asked for.
    public init(_ end: CallEnd) {
        switch end.failure {
        case nil: self = .requested
        case .ppp(let failure): self.init(failure)
        case .sstp(let reason): self.init(reason)
        }
    }

    public init(_ failure: PPPFailure) {
        switch failure {
        case .authenticationFailed: self = .authentication
        case .weakAuthenticationWithoutVerification, .eapServerUntrusted: self = .certificate
        case .noCommonAuthenticationMethod, .localSetup, .cryptoUnavailable: self = .configuration
        case .closedLocally: self = .requested
        case .peerNotResponding, .negotiationFailed, .badIPConfiguration, .terminatedByPeer, .loopbackDetected,
            .lowerLayerDown:
            self = .transient
        }
    }

    public init(_ reason: SSTPCloseReason) {
        switch reason {
        case .disconnectedLocally: self = .requested
        case .cryptoBindingRejected: self = .cryptoBindingRejected
        case .disconnectedByPeer, .abortedByPeer, .abortedLocally, .connectRefused, .negotiationTimeout,
            .peerNotResponding, .transportClosed, .delineationFailed:
            self = .transient
        }
    }
}
