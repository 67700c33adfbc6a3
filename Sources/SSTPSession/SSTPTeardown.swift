import SSTPWire

/// The abort and disconnect states shared by client and server
/// (MS-SSTP §3.1.1.1, §3.2.1.1, §3.3.1.1).
public enum SSTPTeardownState: Hashable, Sendable {
    /// We sent CALL_ABORT; abort timer 1 runs.
    case abortPending
    /// Abort exchanged; abort timer 2 runs, then clean up.
    case abortTimeoutPending
    /// We sent CALL_DISCONNECT; disconnect timer 1 runs.
    case disconnectAckPending
    /// We sent CALL_DISCONNECT_ACK; disconnect timer 2 runs, then clean up.
    case disconnectTimeoutPending
}

/// How a call ends, for client and server alike: why it ends (the first
/// reason decided wins) and the abort and disconnect exchanges with their
/// timers. The sessions keep only their own states; every teardown state
/// and the close action come from here.
struct SSTPTeardown: Sendable {
    let timers: SSTPTimerValues
    /// Why the call ends, once decided.
    private(set) var reason: SSTPCloseReason?

    init(timers: SSTPTimerValues) {
        self.timers = timers
    }

    /// Clean-up is done: the call closes with its reason.
    var closeAction: SSTPAction { .close(reason ?? .disconnectedLocally) }

    /// Starts an abort (§3.1.5.1): send CALL_ABORT with the status, run
    /// abort timer 1. `reason` defaults to "we aborted, because `why`".
    mutating func abort(
        _ why: String, status: StatusInfoAttribute?, reason: SSTPCloseReason? = nil, now: Duration,
        actions: inout [SSTPAction]
    ) -> SSTPTeardownState {
        self.reason = self.reason ?? reason ?? .abortedLocally(why, status)
        actions.append(.log("SSTP: aborting: \(why)"))
        actions.append(.send(CallAbort(statusInfo: status).serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.abort, deadline: now + timers.abort1))
        return .abortPending
    }

    /// Starts a disconnect (§3.2.4.2): CALL_DISCONNECT (the Windows form,
    /// NO_ERROR), disconnect timer 1.
    mutating func disconnect(now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        reason = reason ?? .disconnectedLocally
        actions.append(.send(CallDisconnect.windowsStyle.serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.disconnect, deadline: now + timers.disconnect1))
        return .disconnectAckPending
    }

    /// The peer aborted while we were in a normal state (§3.2.5.3,
    /// §3.3.5.3).
    mutating func peerAborted(
        _ reason: SSTPCloseReason, now: Duration, actions: inout [SSTPAction]
    ) -> SSTPTeardownState {
        self.reason = self.reason ?? reason
        return answerAbort(now: now, actions: &actions)
    }

    /// The peer disconnected while we were in a normal state.
    mutating func peerDisconnected(now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        reason = reason ?? .disconnectedByPeer
        return answerDisconnect(now: now, actions: &actions)
    }

    /// A message received in a teardown state (the tables of §3.2.5.3):
    /// the next teardown state, or nil once the call is closed (the close
    /// action is then in `actions`).
    func received(
        _ message: SSTPControlMessage, in state: SSTPTeardownState, now: Duration, actions: inout [SSTPAction]
    ) -> SSTPTeardownState? {
        switch (message, state) {
        case (.callAbort, .abortPending):
            actions.append(.cancelTimer(.abort))
            actions.append(.setTimer(.abort, deadline: now + timers.abort2))
            return .abortTimeoutPending
        case (.callAbort, .disconnectAckPending):
            return answerAbort(now: now, actions: &actions)
        case (.callDisconnect, .disconnectAckPending):
            // A disconnect collision: stop timer 1 and answer (§3.2.5.3).
            return answerDisconnect(now: now, actions: &actions)
        case (.callDisconnectAck, .disconnectAckPending):
            actions.append(.cancelTimer(.disconnect))
            actions.append(closeAction)
            return nil
        default:
            // CALL_ABORT and CALL_DISCONNECT once the answer is out,
            // CONNECT_ACK, CONNECT_NAK, ECHO_* and everything else are
            // ignored in the pending states.
            return state
        }
    }

    /// A timer in a teardown state: every teardown timer ends in clean-up
    /// (nil, with the close action in `actions`); others are ignored.
    func timerExpired(
        _ timer: SSTPTimer, in state: SSTPTeardownState, actions: inout [SSTPAction]
    ) -> SSTPTeardownState? {
        switch (timer, state) {
        case (.abort, .abortPending), (.abort, .abortTimeoutPending),
            (.disconnect, .disconnectAckPending), (.disconnect, .disconnectTimeoutPending):
            actions.append(closeAction)
            return nil
        default:
            return state
        }
    }

    /// TLS or TCP ended under us (§3.1.7.2): during a teardown the reason
    /// already decided stands; otherwise the transport's failure is it.
    func transportClosedReason(_ detail: String, tearingDown: Bool) -> SSTPCloseReason {
        if tearingDown, let reason { return reason }
        return .transportClosed(detail)
    }

    /// Answer CALL_ABORT, wait abort timer 2.
    private func answerAbort(now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        actions.append(.send(CallAbort().serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.abort, deadline: now + timers.abort2))
        return .abortTimeoutPending
    }

    /// Answer CALL_DISCONNECT_ACK, wait disconnect timer 2.
    private func answerDisconnect(now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        actions.append(.send(CallDisconnectAck().serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.disconnect, deadline: now + timers.disconnect2))
        return .disconnectTimeoutPending
    }

    private func cancelRunning(_ actions: inout [SSTPAction]) {
        actions.append(.cancelTimer(.negotiation))
        actions.append(.cancelTimer(.hello))
        actions.append(.cancelTimer(.abort))
        actions.append(.cancelTimer(.disconnect))
    }
}
