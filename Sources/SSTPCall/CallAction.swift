public import PPP
public import SSTPSession

/// What a call asks its driver to do, in order.
public enum CallAction: Hashable, Sendable {
    /// Write these bytes (whole SSTP packets) to the transport.
    case send([UInt8])
    /// Start or restart a timer; when `deadline` passes, hand the call
    /// `timerExpired` with it.
    case setTimer(CallTimer, deadline: Duration)
    case cancelTimer(CallTimer)
    /// A step of the call's set-up, for progress reports.
    case progress(CallProgress)
    /// The external PPP backend (pppd) must start: SSTP is ready for PPP
    /// (Lower-Layer-Up, MS-SSTP 3.2.5.3.2).
    case startExternalPPP
    /// Tell the external PPP backend that the call is connected (the
    /// crypto binding went out).
    case externalCallConnected
    /// The user asked to disconnect: the external PPP backend ends its
    /// link itself (LCP Terminate) and then reports `externalPPPFinished`.
    case stopExternalPPP
    /// SSTP is gone under the external PPP backend (Lower-Layer-Down); the
    /// call ends when it reports `externalPPPFinished`, or after 6 s.
    case externalLowerDown
    /// IPCP reached Opened: IPv4 may flow with this configuration.
    case ipv4Up(IPv4Configuration)
    case ipv4Down
    /// IPv6CP reached Opened.
    case ipv6Up(IPv6Configuration)
    case ipv6Down
    /// The call is over: close the transport. Always the last action.
    case ended(CallEnd)
    /// A line for the log (never a secret).
    case log(String)
    /// A line the user should see as a warning (PAP in use, for one).
    case warning(String)
    /// The server's PPP authenticator relays EAP (RFC 3748 §2.3): send this
    /// EAP Response to the authentication server and hand its answer to
    /// `SSTPServerCall.eapBackend`. Never asked of a client.
    case eapToBackend([UInt8])
}

/// Set-up steps, in the order a client meets them.
public enum CallProgress: Hashable, Sendable {
    /// CALL_CONNECT_ACK received (client) or sent (server): PPP starts.
    case sstpNegotiated
    /// PPP moved to another phase (RFC 1661 3.2).
    case pppPhase(PPPPhase)
    /// PPP authentication succeeded.
    case authenticated(PPPAuthenticationResult)
    /// CALL_CONNECTED sent (client) or verified (server): data may flow.
    case callConnected
}

/// How a call ended. `failure` is nil for an end that was asked for.
public struct CallEnd: Hashable, Sendable, CustomStringConvertible {
    /// Why SSTP closed the call.
    public var sstp: SSTPCloseReason
    /// Why PPP ended, when PPP ended with a failure of its own (a refused
    /// password, a negotiation that failed, a silent peer).
    public var ppp: PPPFailure?
    /// The user (or the driver) asked to disconnect.
    public var requested: Bool

    public init(sstp: SSTPCloseReason, ppp: PPPFailure?, requested: Bool) {
        self.sstp = sstp
        self.ppp = ppp
        self.requested = requested
    }

    /// What ended the call, when it was not a requested, orderly end:
    /// PPP's own failure first (it says why the call was disconnected),
    /// then SSTP's reason.
    public var failure: Failure? {
        if let ppp { return .ppp(ppp) }
        switch sstp {
        case .disconnectedLocally: return nil
        case .disconnectedByPeer: return requested ? nil : .sstp(sstp)
        default: return .sstp(sstp)
        }
    }

    public enum Failure: Hashable, Sendable {
        case ppp(PPPFailure)
        case sstp(SSTPCloseReason)
    }

    public var description: String {
        switch failure {
        case nil: "disconnected"
        case .ppp(let failure): "\(failure)"
        case .sstp(let reason): "\(reason)"
        }
    }
}

/// An IP packet or a PPP frame that a received SSTP data packet carried,
/// handed to the driver's closure without copying.
public enum CallData {
    /// An IPv4 or IPv6 packet for the packet device (its NCP is up and the
    /// call is connected).
    case ipv4(UnsafeRawBufferPointer)
    case ipv6(UnsafeRawBufferPointer)
    /// A whole PPP data frame for the external PPP backend.
    case externalPPP(UnsafeRawBufferPointer)
}
