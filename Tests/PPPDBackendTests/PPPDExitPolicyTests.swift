import Glibc
import PPP
import SSTPTunnel
import Testing

@testable import PPPDBackend

/// pppd's end as the call's failure and the `sstp` command's exit status
/// (PPPDExitPolicy, pure), and the kernel-PPP probe's verdicts.
@Suite struct PPPDExitPolicyTests {
    // MARK: pppd's exit statuses (pppd(8) EXIT STATUS)

    @Test(arguments: [1, 2, 3, 4, 6, 7, 8, 9, 18] as [Int32])
    func pppdLocalFailuresAreLocal(_ status: Int32) throws {
        let failure = try #require(PPPDExitPolicy.failure(exitStatus: status, lastPhase: 0))
        #expect(TunnelFailure.ppp(failure).exitCode == 6, "\(failure)")
    }

    @Test func pppdWithoutKernelPPPSaysWhatIsMissing() throws {
        let failure = try #require(PPPDExitPolicy.failure(exitStatus: 4, lastPhase: 4))
        let text = TunnelFailure.ppp(failure).description
        #expect(text.contains("/dev/ppp"))
        #expect(text.contains("ppp_generic"))
        #expect(text.contains("built-in backend"))
        #expect(!text.contains("server"))
    }

    @Test func pppdStatusesAboutTheLink() {
        func code(_ status: Int32, phase: UInt32 = 7) -> Int32? {
            PPPDExitPolicy.failure(exitStatus: status, lastPhase: phase).map { TunnelFailure.ppp($0).exitCode }
        }
        #expect(code(0) == nil)  // ended at the peer's request
        #expect(code(5) == nil)  // our SIGTERM
        #expect(code(19) == 2)  // we failed to authenticate
        #expect(code(11) == 2)
        #expect(code(10) == 4)  // negotiation failed
        #expect(code(15) == 5)  // echoes unanswered
        #expect(code(16) == 5)  // hangup
    }

    /// Every pppd exit status (0...19, and killed by SIGTERM / SIGKILL) to
    /// the call's failure and the command's exit status, with and without
    /// our SIGTERM before it.
    @Test func everyPPPDExitStatusHasAnOutcome() {
        func code(_ status: Int32, terminated: Bool = false, reported: UInt32? = nil, refused: String? = nil)
            -> Int32?
        {
            let reportedFailure = reported.map { PPPDExitPolicy.failure(exitStatus: Int32($0), lastPhase: 7) } ?? nil
            return PPPDExitPolicy.outcome(
                status: status, reportedStatus: reported, reportedFailure: reportedFailure, lastPhase: 7,
                terminationRequested: terminated, authenticationRefused: refused
            ).map { TunnelFailure.ppp($0).exitCode }
        }
        let expected: [Int32: Int32?] = [
            0: nil, 1: 6, 2: 6, 3: 6, 4: 6, 5: nil, 6: 6, 7: 6, 8: 6, 9: 6, 10: 4, 11: 2, 12: 4, 13: 4, 14: 4,
            15: 5, 16: 5, 17: 4, 18: 6, 19: 2,
        ]
        for (status, exit) in expected {
            #expect(code(status) == exit, "pppd exit \(status)")
        }
        // After our SIGTERM: ending on request, on hangup, by the signal or
        // after a fatal error on the way out is no failure.
        for status in [1, 5, 16, 128 + SIGTERM, 128 + SIGKILL] as [Int32] {
            #expect(code(status, terminated: true) == nil, "pppd exit \(status) after SIGTERM")
        }
        #expect(code(128 + SIGKILL) == 4, "killed by someone else")
        // What the plugin reported wins over the process status.
        #expect(code(5, terminated: true, reported: 19) == 2)
        #expect(code(1, terminated: true, reported: 16) == nil)
        #expect(code(0, reported: 10) == 4)
        // The server's auth failure packet explains a quiet end or a hangup.
        #expect(code(0, refused: "the server refused the PAP login") == 2)
        #expect(code(16, refused: "the server refused the PAP login") == 2)
        #expect(code(10, refused: "the server refused the PAP login") == 4)
    }

    @Test func kernelPPPProbeVerdicts() throws {
        #expect(KernelPPP.problem(openErrno: nil) == nil)
        for error in [ENOENT, ENODEV, ENXIO] {
            let text = try #require(KernelPPP.problem(openErrno: error))
            #expect(text.contains("/dev/ppp"))
            #expect(text.contains("ppp_generic"))
            #expect(text.contains("backend userspace"))
        }
        let denied = try #require(KernelPPP.problem(openErrno: EACCES))
        #expect(denied.contains("root"))
    }
}
