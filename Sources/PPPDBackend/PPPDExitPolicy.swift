import Glibc
import PPP

/// What pppd's end means for the call: its exit status (pppd(8) EXIT
/// STATUS), what its plugin reported before it went, and whether we asked
/// it to go. Pure, so that every status has a unit test (ExitStatusTests).
enum PPPDExitPolicy {
    /// pppd's exit codes (pppd(8) EXIT STATUS, pppd.h) as the engine's
    /// failure reasons. Those about this host (1 fatal error, 2 options,
    /// 3 not root, 4 no kernel PPP, 6 lock, 7 tty, 8 connect script, 9 pty
    /// command, 18 init script) are `localSetup`: the server never had a
    /// say. 0 (ended at the peer's request) and 5 (our signal) are no
    /// failure of PPP's.
    static func failure(exitStatus: Int32, lastPhase: UInt32) -> PPPFailure? {
        switch exitStatus {
        case 0, 5: return nil
        case 19: return .authenticationFailed(message: "pppd: the server refused our authentication")
        case 11: return .authenticationFailed(message: "pppd: peer authentication failed")
        case 10: return .negotiationFailed("pppd: negotiation failed")
        case 15: return .peerNotResponding(lastPhase >= 7 ? .lcpEcho : .lcp)
        case 16: return .lowerLayerDown
        case 17: return .loopbackDetected
        case 4: return .localSetup(KernelPPP.missing("pppd found no PPP support in this kernel (exit 4)"))
        case 1: return .localSetup("pppd hit a fatal error (exit 1); see its log above")
        case 2: return .localSetup("pppd rejected its options (exit 2); see its log above")
        case 3: return .localSetup("pppd must run as root (exit 3)")
        case 6, 7, 8, 9, 18:
            return .localSetup("pppd could not set up its terminal or scripts (exit \(exitStatus)); see its log above")
        default: return .negotiationFailed("pppd exited with status \(exitStatus)")
        }
    }

    /// The failure the call ends with when pppd exits with `status`.
    /// - Parameters:
    ///   - reportedStatus / reportedFailure: the exit status the plugin sent
    ///     before pppd went (and its failure, from the phase then), if any;
    ///     it wins over the process status.
    ///   - terminationRequested: we sent SIGTERM (the SSTP link went, or a
    ///     disconnect): pppd ending on request (5), on hangup (16), or
    ///     killed says nothing about PPP; a status it reported for a reason
    ///     of its own (19: the server refused our password) still counts.
    ///   - authenticationRefused: the plugin saw the server's auth failure
    ///     packet: that is the reason when nothing else is, or when the
    ///     link merely went down after it.
    static func outcome(
        status: Int32, reportedStatus: UInt32?, reportedFailure: PPPFailure?, lastPhase: UInt32,
        terminationRequested: Bool, authenticationRefused: String?
    ) -> PPPFailure? {
        var failure = reportedFailure ?? Self.failure(exitStatus: status, lastPhase: lastPhase)
        if terminationRequested {
            let ownStatus = reportedStatus.map { Int32(truncatingIfNeeded: $0) }
            switch ownStatus {
            case .some(5), .some(16): failure = nil
            case .none where [1, 5, 16, 128 + SIGTERM, 128 + SIGKILL].contains(status): failure = nil
            default: break
            }
        }
        if let refused = authenticationRefused, failure == nil || failure == .lowerLayerDown {
            failure = .authenticationFailed(message: refused)
        }
        return failure
    }
}
