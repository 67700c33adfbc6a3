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

/// What the teardown rules decided for one received message or timer.
enum TeardownOutcome {
    case stay(SSTPTeardownState)
    case closed
    case ignored
}

struct SSTPTeardown {
    var timers: SSTPTimerValues

    /// Starts an abort (§3.1.5.1): send CALL_ABORT with the status, run
    /// abort timer 1.
    func abort(status: StatusInfoAttribute?, now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        actions.append(.send(CallAbort(statusInfo: status).serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.abort, deadline: now + timers.abort1))
        return .abortPending
    }

    /// Starts a disconnect (§3.2.4.2): CALL_DISCONNECT (the Windows form,
    /// NO_ERROR), disconnect timer 1.
    func disconnect(now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        actions.append(.send(CallDisconnect.windowsStyle.serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.disconnect, deadline: now + timers.disconnect1))
        return .disconnectAckPending
    }

    /// The peer aborted while we were in a normal state: answer CALL_ABORT
    /// and wait abort timer 2 (§3.2.5.3, §3.3.5.3).
    func peerAborted(now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        actions.append(.send(CallAbort().serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.abort, deadline: now + timers.abort2))
        return .abortTimeoutPending
    }

    /// The peer disconnected while we were in a normal state: answer
    /// CALL_DISCONNECT_ACK and wait disconnect timer 2.
    func peerDisconnected(now: Duration, actions: inout [SSTPAction]) -> SSTPTeardownState {
        actions.append(.send(CallDisconnectAck().serialized()))
        cancelRunning(&actions)
        actions.append(.setTimer(.disconnect, deadline: now + timers.disconnect2))
        return .disconnectTimeoutPending
    }

    /// A message received in a teardown state (the tables of §3.2.5.3).
    func received(
        _ message: SSTPControlMessage, in state: SSTPTeardownState, now: Duration, actions: inout [SSTPAction]
    ) -> TeardownOutcome {
        switch (message, state) {
        case (.callAbort, .abortPending):
            actions.append(.cancelTimer(.abort))
            actions.append(.setTimer(.abort, deadline: now + timers.abort2))
            return .stay(.abortTimeoutPending)
        case (.callAbort, .abortTimeoutPending), (.callAbort, .disconnectTimeoutPending):
            return .ignored
        case (.callAbort, .disconnectAckPending):
            return .stay(peerAborted(now: now, actions: &actions))
        case (.callDisconnect, .abortPending), (.callDisconnect, .abortTimeoutPending),
            (.callDisconnect, .disconnectTimeoutPending):
            return .ignored
        case (.callDisconnect, .disconnectAckPending):
            // A disconnect collision: stop timer 1 and answer (§3.2.5.3).
            return .stay(peerDisconnected(now: now, actions: &actions))
        case (.callDisconnectAck, .disconnectAckPending):
            actions.append(.cancelTimer(.disconnect))
            return .closed
        default:
            // CONNECT_ACK, CONNECT_NAK, ECHO_* and everything else are ignored
            // in the pending states.
            return .ignored
        }
    }

    /// A timer in a teardown state: every teardown timer ends in clean-up.
    func timerExpired(_ timer: SSTPTimer, in state: SSTPTeardownState) -> TeardownOutcome {
        switch (timer, state) {
        case (.abort, .abortPending), (.abort, .abortTimeoutPending),
            (.disconnect, .disconnectAckPending), (.disconnect, .disconnectTimeoutPending):
            return .closed
        default:
            return .ignored
        }
    }

    private func cancelRunning(_ actions: inout [SSTPAction]) {
        actions.append(.cancelTimer(.negotiation))
        actions.append(.cancelTimer(.hello))
        actions.append(.cancelTimer(.abort))
        actions.append(.cancelTimer(.disconnect))
    }
}
