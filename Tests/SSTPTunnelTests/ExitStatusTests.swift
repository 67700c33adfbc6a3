import Glibc
import PPP
import SSTPCall
import SSTPSession
import SSTPTLS
import Testing

@testable import SSTPTunnel

/// The `sstp` command's exit statuses as a policy of pure functions, and
/// the messages of the failures issue 16 added (pppd's statuses:
/// PPPDBackendTests).
@Suite struct ExitStatusTests {
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
