import Glibc
import PPP
import SSTPCall
import SSTPSession
import SSTPTLS
import Testing

@testable import SSTPTunnel

/// The `sstp` command's exit statuses as a policy of pure functions, and
/// the messages of the failures issue 16 added.
@Suite struct ExitStatusTests {
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
        #expect(PPPDDriver.kernelPPPProblem(openErrno: nil) == nil)
        for error in [ENOENT, ENODEV, ENXIO] {
            let text = try #require(PPPDDriver.kernelPPPProblem(openErrno: error))
            #expect(text.contains("/dev/ppp"))
            #expect(text.contains("ppp_generic"))
            #expect(text.contains("backend userspace"))
        }
        let denied = try #require(PPPDDriver.kernelPPPProblem(openErrno: EACCES))
        #expect(denied.contains("root"))
    }

    // MARK: The end of an established session (exit 7)

    @Test func callDisconnectAfterTheTunnelWasUpIsSeven() throws {
        let up = try #require(
            TunnelFailure.outcome(
                CallEnd(sstp: .disconnectedByPeer, ppp: nil, requested: false), established: true))
        #expect(up.exitCode == 7)
        #expect(up.description.contains("established"))
        let connecting = try #require(
            TunnelFailure.outcome(
                CallEnd(sstp: .disconnectedByPeer, ppp: nil, requested: false), established: false))
        #expect(connecting.exitCode == 4)
        #expect(
            TunnelFailure.outcome(
                CallEnd(sstp: .disconnectedByPeer, ppp: nil, requested: true), established: true) == nil)
        #expect(
            TunnelFailure.outcome(
                CallEnd(sstp: .disconnectedLocally, ppp: nil, requested: false), established: true) == nil)
    }

    @Test func pppTerminateAfterTheTunnelWasUpIsSeven() throws {
        let up = try #require(
            TunnelFailure.outcome(
                CallEnd(sstp: .disconnectedByPeer, ppp: .terminatedByPeer("admin"), requested: false), established: true
            ))
        #expect(up.exitCode == 7)
        #expect(up.description.contains("admin"))
        let connecting = try #require(
            TunnelFailure.outcome(
                CallEnd(sstp: .transportClosed("closed"), ppp: .terminatedByPeer(""), requested: false),
                established: false))
        #expect(connecting.exitCode == 4)
        // Other ends keep their own status after the tunnel was up.
        let silent = try #require(
            TunnelFailure.outcome(
                CallEnd(sstp: .peerNotResponding, ppp: nil, requested: false), established: true))
        #expect(silent.exitCode == 5)
    }

    @Test func everyCategoryHasItsOwnStatus() {
        let codes = TunnelFailure.Category.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(TunnelFailure.Category.sessionEnded.rawValue == 7)
    }

    // MARK: Authentication messages (items 3 and 14)

    @Test func noCommonMethodMessageNamesBothSides() {
        let failure = TunnelFailure.ppp(
            .noCommonAuthenticationMethod(offered: [.pap, .mschapv2], refused: [.mschapv2, .pap], unsupported: []))
        let text = failure.description
        #expect(text.contains("the server offered PAP and MS-CHAPv2"))
        #expect(text.contains("this client refuses MS-CHAPv2 and PAP"))
        #expect(text.contains("refuse-pap"))
        #expect(text.contains("refuse-mschap-v2"))
        #expect(!text.contains("dropped this user"))
        #expect(failure.exitCode == 4)
    }

    @Test func unsupportedOfferIsNamed() {
        let text = TunnelFailure.ppp(
            .noCommonAuthenticationMethod(offered: [], refused: [], unsupported: ["MS-CHAPv1"])
        ).description
        #expect(text.contains("MS-CHAPv1 (not implemented by this client)"))
    }

    @Test func weakMethodRefusalNamesTheOptionAndWhy() {
        let failure = TunnelFailure.ppp(.weakAuthenticationWithoutVerification(offered: [.pap]))
        let text = failure.description
        #expect(text.contains("--allow-weak-auth-without-verify"))
        #expect(text.contains("insecure-skip-verify"))
        #expect(text.contains("clear text"))
        #expect(failure.exitCode == 3)
    }

    @Test func clientOptionsPassTheVerificationStateToPPP() {
        var tls = TLSClientConfiguration(serverName: "s")
        tls.insecureSkipVerify = true
        var options = ClientOptions(server: "s", tls: tls, ppp: PPPClientConfiguration(userName: "u", password: "p"))
        #expect(options.pppConfiguration.acceptedMethods == [.mschapv2, .eapMSCHAPv2])
        options.ppp.allowWeakAuthenticationWithoutVerification = true
        #expect(options.pppConfiguration.acceptedMethods.contains(.pap))
        options.tls.insecureSkipVerify = false
        options.ppp.allowWeakAuthenticationWithoutVerification = false
        #expect(options.pppConfiguration.acceptedMethods.contains(.pap))
    }
}

/// The message when the dead-peer bound (TCP_USER_TIMEOUT) ends the outer
/// connection names the option; other errors read as before.
@Suite struct TransportDetailTests {
    @Test func userTimeoutIsNamed() {
        for code in [ETIMEDOUT, EHOSTUNREACH] {
            let text = ClientTunnel.transportDetail(
                .syscall(call: "SSL_write_ex", errno: code), userTimeout: .seconds(15))
            #expect(text.contains("15 s (tcp-user-timeout)"), "\(text)")
            #expect(text.contains("SSL_write_ex"), "\(text)")
        }
    }

    @Test func otherEndsReadAsBefore() {
        #expect(ClientTunnel.transportDetail(nil, userTimeout: .seconds(15)) == "the server closed the TLS connection")
        let reset = TLSError.syscall(call: "SSL_read_ex", errno: ECONNRESET)
        #expect(ClientTunnel.transportDetail(reset, userTimeout: .seconds(15)) == "\(reset)")
        let timedOut = TLSError.syscall(call: "SSL_read_ex", errno: ETIMEDOUT)
        #expect(ClientTunnel.transportDetail(timedOut, userTimeout: nil) == "\(timedOut)")
    }
}
